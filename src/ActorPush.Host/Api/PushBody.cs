using System.Text;
using ActorPush.Actors.Transport;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ActorPush.Host.Api;

/// <summary>
/// Reads a push request's body into the message to push and its kind: <c>text/*</c> and <c>application/json</c>
/// (UTF-8) become a text frame, <c>application/octet-stream</c> a binary frame; the bytes are delivered unchanged.
/// (Each node encodes the frame once for its own recipients, behind the push seam.)
/// </summary>
internal static class PushBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The message, or null and the error to answer with (400 empty or not UTF-8, 413 too big, 415 content type).</summary>
    public static async Task<(PushContent? Message, IResult? Error)> ReadAsync(HttpRequest request, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (Kind(request.ContentType) is not { } kind)
            return (null, ApiResults.Error(StatusCodes.Status415UnsupportedMediaType,
                "Content-Type must be text/* or application/json (UTF-8), or application/octet-stream"));
        if (request.ContentLength > maxMessageSize)
            return (null, TooBig(maxMessageSize));

        // Our limit, not Kestrel's default, decides how big a body may be.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = maxMessageSize + 1L;

        byte[] payload;
        try
        {
            payload = await ReadUpToAsync(request.Body, maxMessageSize + 1, cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            return (null, ApiResults.Error(e.StatusCode, "the request body could not be read"));
        }

        if (payload.Length == 0)
            return (null, ApiResults.Error(StatusCodes.Status400BadRequest, "the body is empty: it is the message to push"));
        if (payload.Length > maxMessageSize)
            return (null, TooBig(maxMessageSize));
        if (kind == FrameKind.Text && !IsUtf8(payload))
            return (null, ApiResults.Error(StatusCodes.Status400BadRequest, "a text body must be valid UTF-8"));
        return (new PushContent(payload, kind), null);
    }

    private static FrameKind? Kind(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
            return null;
        if (type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            return FrameKind.Binary;
        var isText = type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || type.Equals("application/json", StringComparison.OrdinalIgnoreCase);
        var charset = HeaderUtilities.RemoveQuotes(media.Charset).Value; // charset="utf-8" is the same as charset=utf-8
        if (!isText || (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
            return null;
        return FrameKind.Text;
    }

    private static async Task<byte[]> ReadUpToAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < limit && (read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken)) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }

    private static bool IsUtf8(byte[] payload)
    {
        try
        {
            StrictUtf8.GetCharCount(payload);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static IResult TooBig(int maxMessageSize) =>
        ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"the body is larger than actorpush.max-message-size ({maxMessageSize} bytes)");
}

/// <summary>A push request's message: its bytes and the kind of frame they go out in.</summary>
internal sealed record PushContent(byte[] Payload, FrameKind Kind);
