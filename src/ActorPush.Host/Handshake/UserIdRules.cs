using System.Text;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>What a <c>user_id</c> on <c>/im</c> must look like. Checked before any upgrade.</summary>
public static class UserIdRules
{
    public const int MaxBytes = 256;

    /// <summary>Returns null when <paramref name="values"/> is one acceptable user id, else a short text naming the problem.</summary>
    public static string? Problem(StringValues values)
    {
        if (values.Count > 1)
            return "user_id is given more than once";
        var userId = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(userId))
            return "user_id is missing or empty";
        if (Encoding.UTF8.GetByteCount(userId) > MaxBytes)
            return $"user_id is longer than {MaxBytes} bytes";
        foreach (var c in userId)
        {
            if (char.IsControl(c))
                return "user_id contains control characters";
        }

        return null;
    }
}
