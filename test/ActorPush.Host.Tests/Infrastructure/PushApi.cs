using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>Helpers for the API, topic, auth and limit tests: HTTP calls, raw handshakes, JWTs, topic state.</summary>
public static class PushApi
{
    public static HttpClient Http(this PushServer server, string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = server.BaseUri, Timeout = Deadlines.Default };
        if (apiKey is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(
        this HttpClient http, HttpMethod method, string path, string? body = null, string contentType = "text/plain")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpStatusCode Status, string Body)> PostBytesAsync(this HttpClient http, string path, byte[] body, string? contentType)
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Connects with a full query string (<c>user_id=...&amp;topics=...</c> or <c>token=...</c>); throws when refused.</summary>
    public static async Task<ClientWebSocket> ConnectQueryAsync(this PushServer server, string query, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (origin is not null)
            socket.Options.SetRequestHeader("Origin", origin);
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await socket.ConnectAsync(server.WebSocketUri(query), timeout.Token);
        return socket;
    }

    /// <summary>A raw upgrade request, so the test sees the status and body the server answers before any upgrade.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> HandshakeAsync(this PushServer server, string query, string? origin = null)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri, Timeout = Deadlines.Default };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/im?" + query);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = response.StatusCode == HttpStatusCode.SwitchingProtocols ? "" : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }

    public static async Task<int> TopicSubscribersAsync(this PushServer server, string topic)
    {
        var topics = await server.Services.GetRequiredService<IRequiredActor<TopicsActor>>().GetAsync();
        return (await topics.Ask<TopicSubscribers>(new GetTopicSubscribers(topic), Deadlines.Default)).Subscribers;
    }

    public static async Task<TopicStats> TopicStatsAsync(this PushServer server)
    {
        var topics = await server.Services.GetRequiredService<IRequiredActor<TopicsActor>>().GetAsync();
        return await topics.Ask<TopicStats>(GetTopicStats.Instance, Deadlines.Default);
    }

    public static Task WaitForSubscribersAsync(this PushServer server, string topic, int count) =>
        Eventually.HoldsAsync(async () => await server.TopicSubscribersAsync(topic) == count, $"topic {topic} to have {count} subscribers");

    /// <summary>Mints an HS256 JWT with the same library the server validates with.</summary>
    public static string MintToken(string secret, string? sub, DateTime? expires = null, string[]? topics = null, bool withExpiry = true)
    {
        var claims = new Dictionary<string, object>();
        if (sub is not null)
            claims["sub"] = sub;
        if (topics is not null)
            claims["topics"] = topics;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        };
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = withExpiry };
        if (withExpiry)
        {
            var exp = expires ?? DateTime.UtcNow.AddMinutes(10);
            descriptor.Expires = exp;
            descriptor.IssuedAt = exp.AddMinutes(-20);
            descriptor.NotBefore = exp.AddMinutes(-20);
        }

        return handler.CreateToken(descriptor);
    }
}
