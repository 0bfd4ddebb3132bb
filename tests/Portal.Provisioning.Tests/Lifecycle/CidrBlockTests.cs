using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Tests.Lifecycle;

public sealed class CidrBlockTests
{
    private static readonly CidrBlock Pool = CidrBlock.Parse("10.0.0.0/8");

    [Fact]
    public void LowestFree_InAnEmptyPool_IsThePoolsFirstBlock() =>
        CidrBlock.LowestFree(Pool, 16, []).ToString().ShouldBe("10.0.0.0/16");

    [Fact]
    public void LowestFree_FillsTheFirstGap()
    {
        var taken = new[] { "10.0.0.0/16", "10.2.0.0/16" }.Select(CidrBlock.Parse);

        CidrBlock.LowestFree(Pool, 16, taken).ToString().ShouldBe("10.1.0.0/16");
    }

    [Fact]
    public void LowestFree_SkipsPastALargerOrUnalignedNeighbour()
    {
        var taken = new[] { "10.0.0.0/15", "10.2.16.0/20" }.Select(CidrBlock.Parse);

        CidrBlock.LowestFree(Pool, 16, taken).ToString().ShouldBe("10.3.0.0/16");
        CidrBlock.LowestFree(Pool, 20, taken).ToString().ShouldBe("10.2.0.0/20");
    }

    [Fact]
    public void LowestFree_IgnoresBlocksOutsideThePool()
    {
        var taken = new[] { "172.16.0.0/16" }.Select(CidrBlock.Parse);

        CidrBlock.LowestFree(CidrBlock.Parse("172.17.0.0/16"), 16, taken).ToString().ShouldBe("172.17.0.0/16");
    }

    [Fact]
    public void LowestFree_WhenThePoolIsFull_IsNull() =>
        CidrBlock.LowestFree(CidrBlock.Parse("10.0.0.0/15"), 16, [CidrBlock.Parse("10.0.0.0/16"), CidrBlock.Parse("10.1.0.0/16")]).ShouldBeNull();

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/16")]
    [InlineData("fd00::/8")]
    [InlineData("ten/8")]
    public void Parse_RejectsWhatIsNotAnIpv4NetworkBlock(string text) =>
        Should.Throw<FormatException>(() => CidrBlock.Parse(text));
}
