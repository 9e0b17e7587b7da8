namespace ActorPush.LoadTest;

public enum Scenario
{
    Fanout,
    Idle,
    Churn,
    Slow,
}
