namespace Portal.Provisioning;

/// <summary>Anchors the Portal.Provisioning assembly for reflection and DI scanning.</summary>
public sealed class AssemblyMarker;
