using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport.Sockets;
using Microsoft.AspNetCore.Connections;

namespace ActorPush.Host.Tests.Transport;

/// <summary>
/// The direct transport's reader and writer on a real loopback TCP connection: what the kernel still holds is read
/// from the socket itself (<see cref="Socket.Available"/>), and the peer is a plain socket.
/// </summary>
public sealed class DirectConnectionTests : IAsyncLifetime
{
    private Socket _peer = null!;
    private Socket _server = null!;
    private DirectConnection _connection = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await _peer.ConnectAsync(listener.LocalEndPoint!);
        _server = await accepting.WaitAsync(Deadlines.Default);
        _connection = new DirectConnection(_server, listener: null);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        _peer.Dispose();
    }

    private PipeReader Input => _connection.Transport.Input;

    private PipeWriter Output => _connection.Transport.Output;

    [Fact]
    public async Task The_head_is_only_peeked_until_part_of_it_is_consumed_and_then_exactly_that_part_leaves_the_kernel()
    {
        await SendAsync("GET /im?user_id=a HTTP/1.1\r\n\r\nrest");

        var result = await ReadAsync(length => length == 34);
        Assert.Equal("GET /im?user_id=a HTTP/1.1\r\n\r\nrest", Text(result.Buffer));
        Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Assert.Equal(34, _server.Available); // looked at, nothing taken

        await SendAsync("!");
        result = await Input.ReadAsync().AsTask().WaitAsync(Deadlines.Default); // examined everything: waits for the new byte
        Assert.Equal("GET /im?user_id=a HTTP/1.1\r\n\r\nrest!", Text(result.Buffer));
        Input.AdvanceTo(result.Buffer.GetPosition(30));
        Assert.Equal(5, _server.Available); // the head left the kernel, the rest is still there

        result = await ReadAsync(length => length == 5);
        Assert.Equal("rest!", Text(result.Buffer));
    }

    [Fact]
    public async Task Bytes_left_unconsumed_come_first_and_intact_in_the_next_read()
    {
        await StopPeekingAsync();
        await SendAsync("0123456789");
        var result = await ReadAsync(length => length == 10);
        Input.AdvanceTo(result.Buffer.GetPosition(3), result.Buffer.End); // 7 bytes left, all of them examined

        await SendAsync("abcde");
        result = await ReadAsync(length => length == 12);
        Assert.Equal("3456789abcde", Text(result.Buffer));
        Input.AdvanceTo(result.Buffer.GetPosition(4), result.Buffer.GetPosition(4)); // not examined: returned at once

        Assert.True(Input.TryRead(out result));
        Assert.Equal("789abcde", Text(result.Buffer));
        Input.AdvanceTo(result.Buffer.End);
        Assert.False(Input.TryRead(out _));
    }

    [Fact]
    public async Task A_peer_that_half_closes_in_the_middle_of_its_head_ends_the_read_instead_of_waiting()
    {
        await SendAsync("GET /im?");
        var result = await ReadAsync(length => length == 8);
        Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        _peer.Shutdown(SocketShutdown.Send);

        result = await Input.ReadAsync().AsTask().WaitAsync(Deadlines.Default);
        Assert.True(result.IsCompleted);
        Assert.Equal("GET /im?", Text(result.Buffer));
    }

    [Fact]
    public async Task Writes_larger_than_one_buffer_arrive_whole_and_in_order_after_one_flush()
    {
        var expected = new byte[3 * 5000];
        for (var i = 0; i < expected.Length; i++)
            expected[i] = (byte)(i % 251);
        for (var part = 0; part < 3; part++)
        {
            var span = Output.GetSpan(5000);
            expected.AsSpan(part * 5000, 5000).CopyTo(span);
            Output.Advance(5000);
        }

        Assert.Equal(expected.Length, Output.UnflushedBytes);
        await Output.FlushAsync().AsTask().WaitAsync(Deadlines.Default);
        Assert.Equal(0, Output.UnflushedBytes);

        var received = new byte[expected.Length];
        for (var at = 0; at < received.Length;)
            at += await _peer.ReceiveAsync(received.AsMemory(at)).AsTask().WaitAsync(Deadlines.Default);
        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task An_abort_ends_a_pending_read_with_ConnectionAbortedException()
    {
        await StopPeekingAsync();
        var pending = Input.ReadAsync().AsTask();
        Assert.False(pending.IsCompleted);

        _connection.Abort(new ConnectionAbortedException("test"));

        await Assert.ThrowsAsync<ConnectionAbortedException>(() => pending.WaitAsync(Deadlines.Default));
    }

    [Fact]
    public async Task Completing_both_sides_closes_the_socket_and_the_peer_reads_its_end()
    {
        await StopPeekingAsync();
        Output.Complete();
        Input.Complete();

        var buffer = new byte[16];
        Assert.Equal(0, await _peer.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Deadlines.Default));
        Assert.Throws<ObjectDisposedException>(() => _server.Available);
    }

    /// <summary>Ends the peeking the way the handshake does: one byte read and consumed.</summary>
    private async Task StopPeekingAsync()
    {
        await SendAsync("x");
        var result = await ReadAsync(length => length == 1);
        Input.AdvanceTo(result.Buffer.End);
    }

    private Task SendAsync(string text) => _peer.SendAsync(Encoding.ASCII.GetBytes(text)).WaitAsync(Deadlines.Default);

    /// <summary>Reads until the result holds what <paramref name="complete"/> wants (loopback may deliver it in parts).</summary>
    private async Task<ReadResult> ReadAsync(Func<long, bool> complete)
    {
        using var deadline = new CancellationTokenSource(Deadlines.Default);
        while (true)
        {
            var result = await Input.ReadAsync(deadline.Token);
            if (complete(result.Buffer.Length) || result.IsCompleted)
                return result;
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static string Text(in ReadOnlySequence<byte> bytes) => Encoding.ASCII.GetString(bytes);
}
