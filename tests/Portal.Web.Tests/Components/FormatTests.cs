using Portal.Data.Entities;
using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Components;

public sealed class FormatTests
{
    [Theory]
    [InlineData("5000", "$5,000.00")]
    [InlineData("1234567.891", "$1,234,567.89")]
    [InlineData("-12.5", "-$12.50")]
    [InlineData("0", "$0.00")]
    public void Money_HasThousandsSeparatorsAndTwoDecimals(string amount, string expected) =>
        Format.Money(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(expected);

    [Fact]
    public void Count_UsesTheRightNoun() =>
        (Format.Count(1, "call"), Format.Count(1204, "call"), Format.Count(2, "anomaly", "anomalies")).ShouldBe(("1 call", "1,204 calls", "2 anomalies"));

    [Fact]
    public void Dates_AreIso() => Format.Date(new DateOnly(2026, 12, 6)).ShouldBe("2026-12-06");

    [Fact]
    public void Times_AreInTheUsersZone_WithTheZoneShown()
    {
        var instant = new DateTimeOffset(2026, 12, 6, 13, 5, 9, TimeSpan.Zero);
        Format.Time(instant, TimeZoneInfo.Utc).ShouldBe("2026-12-06 13:05 UTC");
        Format.Time(instant, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ShouldBe("2026-12-06 14:05 Europe/Berlin (UTC+01:00)");
        Format.TimeWithSeconds(instant, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).ShouldBe("2026-12-06 08:05:09 America/New_York (UTC-05:00)");
    }

    [Fact]
    public void Roles_AreInWords() =>
        PortalRoles.All.Select(Format.Role).ShouldBe(["Developer", "Platform engineer", "Finance", "Admin"]);

    [Fact]
    public void TheUsersZone_IsUtcUntilTheBrowserSaysOtherwise_AndUnknownZonesAreIgnored()
    {
        var zone = new UserTimeZone();
        var changed = 0;
        zone.Changed += () => changed++;
        zone.Time(new DateTimeOffset(2026, 12, 6, 13, 5, 0, TimeSpan.Zero)).ShouldEndWith("UTC");

        zone.Set("Not/AZone");
        zone.Reported.ShouldBeFalse();
        zone.Set("Europe/Berlin");

        zone.Reported.ShouldBeTrue();
        changed.ShouldBe(1);
        zone.Time(new DateTimeOffset(2026, 12, 6, 13, 5, 0, TimeSpan.Zero)).ShouldBe("2026-12-06 14:05 Europe/Berlin (UTC+01:00)");
    }
}
