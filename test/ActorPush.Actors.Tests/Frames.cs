using System.Text;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Tests;

internal static class Frames
{
    public static OutboundFrame Text(string text) => new(Encoding.UTF8.GetBytes(text), FrameKind.Text);

    public static OutboundFrame OfSize(int bytes) => new(new byte[bytes], FrameKind.Binary);
}
