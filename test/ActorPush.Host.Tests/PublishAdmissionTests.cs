using System.Net;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorPush.Host.Tests;

/// <summary>
/// A 2xx from the push API means the message entered the fan-out: a full broadcast mailbox, or full topic mailboxes,
/// answer 503, never 202 and a drop.
/// </summary>
public sealed class PublishAdmissionTests(ITestOutputHelper output)
{
    private const int Broadcasts = 400;
    private const int Clients = 10;

    [Theory]
    [InlineData("/api/broadcast", "actorpush.broadcast.mailbox.mailbox-capacity = 4")]
    [InlineData("/api/topics/news/messages", "actorpush.topics.mailbox-capacity = 4")]
    public async Task Concurrent_api_publishes_into_a_small_mailbox_are_delivered_to_everyone_when_2xx_and_otherwise_get_503_with_retry_after(
        string path, string smallMailbox)
    {
        await using var server = await PushServer.StartAsync(smallMailbox);
        var clients = new List<System.Net.WebSockets.ClientWebSocket>();
        for (var i = 0; i < Clients; i++)
            clients.Add(await server.ConnectQueryAsync($"user_id=reader{i}&topics=news"));
        await server.WaitForConnectionsAsync(Clients);
        await server.WaitForSubscribersAsync("news", Clients);
        using var http = server.Http();

        var answers = await Task.WhenAll(Enumerable.Range(0, Broadcasts).Select(async i =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("m" + i));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            using var response = await http.PostAsync(path, content);
            return (Message: "m" + i, response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));

        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Message).ToHashSet();
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.Accepted).ToList();
        output.WriteLine($"{accepted.Count} accepted, {refused.Count} refused");
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.NotNull(r.RetryAfter);
        });
        Assert.NotEmpty(accepted);

        // A last publish (retried while refused) marks the end: everything accepted before it arrives before it.
        await Eventually.HoldsAsync(async () => (await http.SendAsync(HttpMethod.Post, path, "end")).Status == HttpStatusCode.Accepted, "the end marker to be accepted");
        foreach (var client in clients)
        {
            var received = new HashSet<string>();
            string text;
            while ((text = await client.ReceiveTextAsync()) != "end")
                received.Add(text);
            Assert.Equal(accepted.Order(), received.Order());
        }

        Assert.True(server.Metrics.PublishesDropped >= refused.Count); // the end marker may have been refused too
        foreach (var client in clients)
            client.Dispose();
    }
}
