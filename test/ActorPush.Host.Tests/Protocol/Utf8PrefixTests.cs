using System.Text;
using ActorPush.Host.Transport;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>The incremental UTF-8 check a text message goes through as its bytes arrive.</summary>
public sealed class Utf8PrefixTests
{
    private static readonly byte[] Valid = Encoding.UTF8.GetBytes("hé €𝄞 κόσμε");

    [Fact]
    public void Valid_text_cut_anywhere_is_accepted_and_the_cut_sequence_is_left_for_later()
    {
        for (var cut = 0; cut <= Valid.Length; cut++)
        {
            var first = Utf8Prefix.Check(Valid.AsSpan(0, cut), 0);
            Assert.InRange(first, Math.Max(0, cut - 3), cut); // at most an incomplete sequence is held back
            Assert.True(Encoding.UTF8.GetString(Valid, 0, first) is var text && Encoding.UTF8.GetByteCount(text) == first);
            Assert.Equal(Valid.Length, Utf8Prefix.Check(Valid, first));
        }
    }

    [Fact]
    public void Valid_text_checked_byte_by_byte_ends_complete()
    {
        var checkedLength = 0;
        for (var length = 1; length <= Valid.Length; length++)
        {
            checkedLength = Utf8Prefix.Check(Valid.AsSpan(0, length), checkedLength);
            Assert.True(checkedLength >= 0, $"refused at byte {length}");
        }

        Assert.Equal(Valid.Length, checkedLength);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })] // lone continuation byte
    [InlineData(new byte[] { 0xC0 })] // never a lead byte (overlong)
    [InlineData(new byte[] { 0xF5 })] // never a lead byte (above U+10FFFF)
    [InlineData(new byte[] { 0xF4, 0x90 })] // above U+10FFFF, seen after two bytes
    [InlineData(new byte[] { 0xE0, 0x80 })] // overlong three-byte form, seen after two bytes
    [InlineData(new byte[] { 0xED, 0xA0 })] // UTF-16 surrogate, seen after two bytes
    [InlineData(new byte[] { 0x61, 0xE2, 0x41 })] // sequence broken by ASCII
    public void A_start_no_valid_text_can_have_is_refused_before_the_sequence_is_complete(byte[] bytes)
    {
        Assert.Equal(-1, Utf8Prefix.Check(bytes, 0));
    }

    [Fact]
    public void Invalid_bytes_after_a_held_back_lead_byte_are_refused()
    {
        byte[] text = [0x61, 0xF0];
        var checkedLength = Utf8Prefix.Check(text, 0);
        Assert.Equal(1, checkedLength);
        Assert.Equal(-1, Utf8Prefix.Check([0x61, 0xF0, 0x41], checkedLength));
    }
}
