namespace Portal.Data.Entities;

/// <summary>An ASP.NET Core data-protection key ring entry, shared by every node through the database.</summary>
public sealed class DataProtectionKey
{
    public int Id { get; set; }

    public string? FriendlyName { get; set; }

    public string Xml { get; set; } = "";
}
