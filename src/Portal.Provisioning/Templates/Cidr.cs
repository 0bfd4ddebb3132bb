using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Portal.Provisioning.Templates;

/// <summary><c>Fn::Cidr</c>: carves <c>count</c> consecutive subnets with <c>cidrBits</c> host bits out of an IPv4 or IPv6 block.</summary>
internal static class Cidr
{
    public static IReadOnlyList<string> Split(string ipBlock, int count, int cidrBits)
    {
        var slash = ipBlock.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(ipBlock[..slash], out var address)
            || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || !int.TryParse(ipBlock[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            throw new TemplateResolveException($"Fn::Cidr: '{ipBlock}' is not a CIDR block.");
        }

        var width = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var newPrefix = width - cidrBits;
        if (prefix > width || cidrBits < 0 || cidrBits > width || newPrefix < prefix)
        {
            throw new TemplateResolveException($"Fn::Cidr: {cidrBits} subnet bits do not fit in {ipBlock}.");
        }

        var room = newPrefix - prefix >= 63 ? long.MaxValue : 1L << (newPrefix - prefix);
        if (count is < 1 or > 256 || count > room)
        {
            throw new TemplateResolveException($"Fn::Cidr: cannot carve {count} /{newPrefix} subnets from {ipBlock} (room for {room}).");
        }

        var bytes = address.GetAddressBytes();
        UInt128 value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        // Start from the block's network address, as CloudFormation does when the given address has host bits set.
        var hostBits = width - prefix;
        value = hostBits == 0 ? value : hostBits >= 128 ? 0 : value & ~((UInt128.One << hostBits) - 1);
        var size = cidrBits >= 128 ? UInt128.Zero : UInt128.One << cidrBits;
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = value + (size * (uint)i);
            var output = new byte[bytes.Length];
            for (var j = output.Length - 1; j >= 0; j--)
            {
                output[j] = (byte)(start & 0xFF);
                start >>= 8;
            }

            result[i] = $"{new IPAddress(output)}/{newPrefix.ToString(CultureInfo.InvariantCulture)}";
        }

        return result;
    }
}
