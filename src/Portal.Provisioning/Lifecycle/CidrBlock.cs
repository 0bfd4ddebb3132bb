using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Portal.Provisioning.Lifecycle;

/// <summary>An IPv4 block as a half-open range of addresses [<see cref="Start"/>, <see cref="End"/>).</summary>
internal readonly record struct CidrBlock(ulong Start, int PrefixLength)
{
    public ulong Size => 1UL << (32 - PrefixLength);

    public ulong End => Start + Size;

    public bool Overlaps(CidrBlock other) => Start < other.End && other.Start < End;

    public bool Contains(CidrBlock other) => Start <= other.Start && other.End <= End;

    /// <summary>Parses <c>10.0.0.0/8</c>; the address must be the block's network address.</summary>
    public static CidrBlock Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(text[..slash], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > 32)
        {
            throw new FormatException($"'{text}' is not an IPv4 CIDR block such as 10.0.0.0/8.");
        }

        var bytes = address.GetAddressBytes();
        var start = ((ulong)bytes[0] << 24) | ((ulong)bytes[1] << 16) | ((ulong)bytes[2] << 8) | bytes[3];
        var block = new CidrBlock(start, prefix);
        return start % block.Size == 0
            ? block
            : throw new FormatException($"'{text}' has host bits set; its network address is {new CidrBlock(start - (start % block.Size), prefix)}.");
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Start >> 24) & 0xFF}.{(Start >> 16) & 0xFF}.{(Start >> 8) & 0xFF}.{Start & 0xFF}/{PrefixLength}");

    /// <summary>The lowest <paramref name="prefixLength"/> block in <paramref name="pool"/> that overlaps none of <paramref name="taken"/>, or null.</summary>
    public static CidrBlock? LowestFree(CidrBlock pool, int prefixLength, IEnumerable<CidrBlock> taken)
    {
        var inPool = taken.Where(t => t.Overlaps(pool)).OrderBy(t => t.Start).ToList();
        var candidate = new CidrBlock(pool.Start, prefixLength);
        while (candidate.End <= pool.End)
        {
            var clash = inPool.FindIndex(t => t.Overlaps(candidate));
            if (clash < 0)
            {
                return candidate;
            }

            // Jump to the first aligned block after the clashing one.
            var next = Math.Max(inPool[clash].End, candidate.End);
            candidate = candidate with { Start = (next + candidate.Size - 1) / candidate.Size * candidate.Size };
        }

        return null;
    }
}
