using System.Buffers;

namespace ActorPush.Host.Transport.Sockets;

/// <summary>
/// The one buffer <see cref="SocketInput"/> and <see cref="SocketOutput"/> each hold while bytes are pending: rented
/// from the shared pool, moved to a larger one when full, given back as soon as nothing is pending.
/// </summary>
internal static class PooledBuffer
{
    public const int MinimumSize = 4096;

    public static byte[] Rent(int size) => ArrayPool<byte>.Shared.Rent(Math.Max(size, MinimumSize));

    /// <summary>A buffer of at least <paramref name="size"/> bytes holding <paramref name="buffer"/>'s <paramref name="length"/>
    /// bytes from <paramref name="start"/> at its front; the old one goes back to the pool.</summary>
    public static byte[] Grow(byte[] buffer, int start, int length, int size)
    {
        var larger = Rent(size);
        buffer.AsSpan(start, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Gives <paramref name="buffer"/> back to the pool, if there is one, and forgets it.</summary>
    public static void Return(ref byte[]? buffer)
    {
        if (buffer is null)
            return;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }
}
