using Akka.Actor;

namespace ActorPush.Actors.Tests;

public sealed class ClientMessageQueueSpecs
{
    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_whether_one_or_many_are_queued()
    {
        var queue = new ClientMessageQueue();
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _));

        // One at a time (the inline slot), then a pile-up (the queue behind it), then one again.
        Enqueue(queue, 0);
        Assert.Equal(0, Dequeue(queue));
        for (var i = 1; i <= 100; i++)
            Enqueue(queue, i);
        Assert.Equal(100, queue.Count);
        for (var i = 1; i <= 50; i++)
            Assert.Equal(i, Dequeue(queue));
        Enqueue(queue, 101);
        for (var i = 51; i <= 101; i++)
            Assert.Equal(i, Dequeue(queue));

        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
        Enqueue(queue, 102); // usable again after a burst gave its array back
        Assert.Equal(102, Dequeue(queue));
    }

    [Fact]
    public async Task Concurrent_senders_lose_nothing_and_each_sender_keeps_its_order()
    {
        const int senders = 4, perSender = 20_000;
        var queue = new ClientMessageQueue();
        var producing = Enumerable.Range(0, senders)
            .Select(sender => Task.Run(() =>
            {
                for (var i = 0; i < perSender; i++)
                    queue.Enqueue(ActorRefs.Nobody, new Envelope((sender, i), ActorRefs.NoSender));
            }))
            .ToArray();

        var next = new int[senders];
        var received = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received < senders * perSender)
        {
            deadline.Token.ThrowIfCancellationRequested();
            if (!queue.TryDequeue(out var envelope))
            {
                await Task.Yield();
                continue;
            }

            var (sender, index) = ((int, int))envelope.Message;
            Assert.Equal(next[sender], index);
            next[sender]++;
            received++;
        }

        await Task.WhenAll(producing);
        Assert.All(next, count => Assert.Equal(perSender, count));
        Assert.False(queue.TryDequeue(out _));
    }

    private static void Enqueue(ClientMessageQueue queue, int message) =>
        queue.Enqueue(ActorRefs.Nobody, new Envelope(message, ActorRefs.NoSender));

    private static int Dequeue(ClientMessageQueue queue)
    {
        Assert.True(queue.TryDequeue(out var envelope));
        return (int)envelope.Message;
    }
}
