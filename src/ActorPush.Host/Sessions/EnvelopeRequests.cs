using System.Text;
using System.Text.Json;
using ActorPush.Actors;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Push;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;

namespace ActorPush.Host.Sessions;

/// <summary>
/// What an <c>actorpush.v1</c> client's messages mean (docs/protocol.md): each text frame is one JSON request
/// (<c>publish</c>, <c>subscribe</c>, <c>unsubscribe</c>, <c>ping</c>) answered with an <c>ack</c> (or <c>pong</c>)
/// or an <c>error</c> carrying the request's <c>id</c>; a binary frame publishes its bytes as they are. Topic
/// requests obey the same rules as the handshake: the name rules, <c>actorpush.client.max-topics</c> and the
/// token's <c>topics</c> claim. Used by the connection's receive loop only, so not thread-safe.
/// </summary>
internal sealed class EnvelopeRequests
{
    private readonly IClientConnection _connection;
    private readonly PushClient _client;
    private readonly ClientSessionContext _context;
    private readonly PushMetrics _metrics;
    private readonly IReadOnlySet<string>? _allowedTopics;
    private readonly HashSet<string> _topics;

    public EnvelopeRequests(IClientConnection connection, PushClient client, ClientSessionContext context, Accepted accepted)
    {
        _connection = connection;
        _client = client;
        _context = context;
        _metrics = PushMetrics.Get(context.System);
        _allowedTopics = accepted.AllowedTopics;
        _topics = new HashSet<string>(accepted.Topics, StringComparer.Ordinal);
    }

    /// <summary>The first frame an actorpush.v1 client gets: who and where it is, and how often to expect a keepalive.</summary>
    public static OutboundFrame Welcome(string connectionId, Accepted accepted, ActorPushSettings settings) =>
        Envelopes.Control(writer =>
        {
            writer.WriteString("type", "welcome");
            writer.WriteString("protocol", Envelopes.Protocol);
            writer.WriteString("connection", connectionId);
            writer.WriteString("user", accepted.UserId);
            writer.WriteString("node", Environment.MachineName);
            writer.WriteNumber("keepalive", (long)settings.KeepAliveInterval.TotalMilliseconds);
            writer.WriteNumber("keepaliveTimeout", (long)settings.KeepAliveTimeout.TotalMilliseconds);
            writer.WriteStartArray("topics");
            foreach (var topic in accepted.Topics)
                writer.WriteStringValue(topic);
            writer.WriteEndArray();
        });

    /// <summary>Handles one client message (already past the rate limit; <paramref name="payload"/> is used before this returns).</summary>
    public void OnMessage(ReadOnlySpan<byte> payload, FrameKind kind)
    {
        if (kind == FrameKind.Binary)
        {
            Publish(payload, kind, id: null, ack: false); // a binary frame has no id to answer
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException)
        {
            Reply(Error(null, "bad_request", "a text frame must be one JSON request (docs/protocol.md)"));
            return;
        }

        using (document)
        {
            var request = document.RootElement;
            if (request.ValueKind != JsonValueKind.Object)
            {
                Reply(Error(null, "bad_request", "a request is a JSON object"));
                return;
            }

            var id = request.TryGetProperty("id", out var idElement) && idElement.ValueKind is JsonValueKind.Number or JsonValueKind.String
                ? idElement.Clone()
                : (JsonElement?)null;
            var type = request.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String
                ? typeElement.GetString()
                : null;
            switch (type)
            {
                case "publish":
                    OnPublish(request, id);
                    break;
                case "subscribe":
                    OnSubscribe(request, id);
                    break;
                case "unsubscribe":
                    OnUnsubscribe(request, id);
                    break;
                case "ping":
                    Reply(Answer("pong", id));
                    break;
                default:
                    Reply(Error(id, "bad_request", type is null ? "a request needs a \"type\"" : $"unknown request type \"{type}\""));
                    break;
            }
        }
    }

    private void OnPublish(JsonElement request, JsonElement? id)
    {
        if (!request.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
        {
            Reply(Error(id, "bad_request", "publish needs \"data\" (a string; base64 with \"kind\":\"binary\")"));
            return;
        }

        var binary = request.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("binary");
        byte[] payload;
        if (binary)
        {
            if (!data.TryGetBytesFromBase64(out var decoded))
            {
                Reply(Error(id, "bad_request", "binary data must be base64"));
                return;
            }

            payload = decoded;
        }
        else
        {
            payload = Encoding.UTF8.GetBytes(data.GetString()!);
        }

        Publish(payload, binary ? FrameKind.Binary : FrameKind.Text, id, ack: true);
    }

    private void Publish(ReadOnlySpan<byte> payload, FrameKind kind, JsonElement? id, bool ack)
    {
        if (_context.Settings.Publish != PublishMode.Broadcast)
        {
            _metrics.ClientFrameDiscarded();
            Reply(Error(id, "publish_disabled", "clients may not publish on this server (actorpush.client.publish = off)"));
            return;
        }

        // Like any client frame: admitted always (backpressure slows a flooding sender), so the ack means it is on its way.
        if (_context.Push.Publish(PushTarget.Everyone, payload, kind, Admission.Always) != PublishOutcome.Accepted)
            Reply(Error(id, "overloaded", "the server is overloaded and refused the message, try again later"));
        else if (ack)
            Reply(Answer("ack", id));
    }

    private void OnSubscribe(JsonElement request, JsonElement? id)
    {
        if (TopicOf(request, id) is not { } topic)
            return;
        if (_allowedTopics is not null && !_allowedTopics.Contains(topic))
        {
            Reply(Error(id, "topic_not_allowed", $"token does not allow topic {topic}"));
            return;
        }

        if (!_topics.Contains(topic))
        {
            if (_topics.Count >= _context.Settings.Actors.MaxTopicsPerConnection)
            {
                Reply(Error(id, "too_many_topics", $"already {_topics.Count} topics (actorpush.client.max-topics)"));
                return;
            }

            if (TopicAdmission.Get(_context.System).Refusal(topic) is { } full)
            {
                Reply(Error(id, "topic_limit", full));
                return;
            }

            _topics.Add(topic);
            _client.Subscribe(topic);
        }

        // Told before the ack leaves: a push the client's backend sends after seeing the ack reaches the
        // topics actor after the subscription, so it is delivered.
        Reply(Answer("ack", id));
    }

    private void OnUnsubscribe(JsonElement request, JsonElement? id)
    {
        if (TopicOf(request, id) is not { } topic)
            return;
        if (_topics.Remove(topic))
            _client.Unsubscribe(topic);
        Reply(Answer("ack", id));
    }

    private string? TopicOf(JsonElement request, JsonElement? id)
    {
        var topic = request.TryGetProperty("topic", out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (TopicRules.Problem(topic) is not { } problem)
            return topic;
        Reply(Error(id, "bad_topic", topic is null ? "a topic request needs \"topic\"" : problem));
        return null;
    }

    private void Reply(OutboundFrame frame)
    {
        if (!_connection.TrySend([frame], flush: true))
            _connection.Close(CloseCodes.SlowConsumer, CloseCodes.Reasons.SlowConsumer);
    }

    private static OutboundFrame Answer(string type, JsonElement? id) =>
        Envelopes.Control(writer =>
        {
            writer.WriteString("type", type);
            if (id is { } value)
            {
                writer.WritePropertyName("id");
                value.WriteTo(writer);
            }
        });

    private static OutboundFrame Error(JsonElement? id, string code, string message) =>
        Envelopes.Control(writer =>
        {
            writer.WriteString("type", "error");
            if (id is { } value)
            {
                writer.WritePropertyName("id");
                value.WriteTo(writer);
            }

            writer.WriteString("code", code);
            writer.WriteString("message", message);
        });
}
