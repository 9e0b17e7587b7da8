using System.Runtime.CompilerServices;
using Akka.TestKit;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Tests;

/// <summary>
/// A client probe receives broadcast frames either one by one or as a <see cref="FrameBatch"/> (when
/// publishes queued up). These expectations take the next frame in order, whichever way it came.
/// </summary>
internal static class FrameExpectations
{
    private static readonly ConditionalWeakTable<TestProbe, Queue<OutboundFrame>> Buffered = new();

    public static OutboundFrame ExpectFrame(this TestProbe probe, TimeSpan? duration = null)
    {
        var buffered = Buffered.GetOrCreateValue(probe);
        if (buffered.TryDequeue(out var frame))
            return frame;

        var message = probe.ExpectMsg<object>(duration);
        switch (message)
        {
            case OutboundFrame single:
                return single;
            case FrameBatch batch:
                foreach (var batched in batch.Frames)
                    buffered.Enqueue(batched);
                return buffered.Dequeue();
            default:
                throw new Xunit.Sdk.XunitException($"expected a frame, got {message}");
        }
    }
}
