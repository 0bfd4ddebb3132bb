using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Portal.Provisioning.Templates;

/// <summary>IPv4 <c>Fn::Cidr</c>: carves <c>count</c> consecutive subnets with <c>cidrBits</c> host bits out of a block.</summary>
internal static class Cidr
{
    public static IReadOnlyList<string> Split(string ipBlock, int count, int cidrBits)
    {
        var slash = ipBlock.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(ipBlock[..slash], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(ipBlock[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix is < 0 or > 32)
        {
            throw new TemplateResolveException($"Fn::Cidr: '{ipBlock}' is not an IPv4 CIDR block.");
        }

        var newPrefix = 32 - cidrBits;
        if (cidrBits is < 0 or > 32 || newPrefix < prefix)
        {
            throw new TemplateResolveException($"Fn::Cidr: {cidrBits} subnet bits do not fit in {ipBlock}.");
        }

        var available = 1L << (newPrefix - prefix);
        if (count is < 1 or > 256 || count > available)
        {
            throw new TemplateResolveException($"Fn::Cidr: cannot carve {count} /{newPrefix} subnets from {ipBlock} (room for {available}).");
        }

        var bytes = address.GetAddressBytes();
        var baseAddress = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        baseAddress &= mask;
        var size = 1UL << cidrBits;
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = (uint)(baseAddress + ((ulong)i * size));
            result[i] = string.Create(CultureInfo.InvariantCulture, $"{start >> 24}.{(start >> 16) & 255}.{(start >> 8) & 255}.{start & 255}/{newPrefix}");
        }

        return result;
    }
}
