namespace Portal.Provisioning.Tests;

public sealed class ProjectWiringTests
{
    [Fact]
    public void Provisioning_Assembly_IsLoadable() =>
        typeof(Portal.Provisioning.AssemblyMarker).Assembly.GetName().Name.ShouldBe("Portal.Provisioning");
}
