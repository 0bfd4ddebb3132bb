using System.Security.Cryptography;
using System.Text;

namespace Portal.Sandbox.CloudFormation;

/// <summary>Deterministic pseudo-random values derived from a seed string (stack id, logical id, generation), so restarts reproduce them.</summary>
internal sealed class Seeded(string seed)
{
    private const string Alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
    private int _counter;

    public byte[] Bytes(int count)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var block = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}#{_counter++}"));
            var take = Math.Min(block.Length, count - filled);
            Array.Copy(block, 0, result, filled, take);
            filled += take;
        }

        return result;
    }

    public string Hex(int length) => Convert.ToHexStringLower(Bytes((length + 1) / 2))[..length];

    public string Lower(int length) => new([.. Bytes(length).Select(b => Alnum[b % Alnum.Length])]);

    public string Upper(int length) => Lower(length).ToUpperInvariant();

    public string Digits(int length) => new([.. Bytes(length).Select(b => (char)('0' + (b % 10)))]);

    /// <summary>A number in [0, 1).</summary>
    public double Fraction() => BitConverter.ToUInt32(Bytes(4)) / (uint.MaxValue + 1.0);

    public Guid Guid()
    {
        var bytes = Bytes(16);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public int Next(int maxExclusive) => (int)(Fraction() * maxExclusive);
}
