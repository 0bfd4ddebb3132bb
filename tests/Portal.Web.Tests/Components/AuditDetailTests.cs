using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Components;

/// <summary>An audit entry's detail read as lines (the environment's History tab and the audit log), never raw JSON.</summary>
public sealed class AuditDetailTests
{
    [Fact]
    public void AStatusChange_ReadsAsFieldBeforeAfter_AndOtherFieldsInWords()
    {
        var lines = AuditDetail.Lines("environment.ready", """{"from":"Provisioning","to":"Ready","stackId":"arn:aws:cloudformation:us-east-1:123456789012:stack/x/1"}""", TimeZoneInfo.Utc);

        lines.ShouldBe(new[]
        {
            new AuditDetailLine("Status", "Provisioning", "Ready"),
            new AuditDetailLine("Stack id", null, "arn:aws:cloudformation:us-east-1:123456789012:stack/x/1"),
        });
    }

    [Fact]
    public void AnExtension_ShowsTheExpiryTimes_InTheUsersZone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var line = AuditDetail.Lines("environment.extended", """{"from":"2026-12-06T10:00:00+00:00","to":"2026-12-08T10:00:00+00:00","requestId":null}""", berlin);

        line[0].ShouldBe(new AuditDetailLine("Expires", "2026-12-06 11:00 Europe/Berlin (UTC+01:00)", "2026-12-08 11:00 Europe/Berlin (UTC+01:00)"));
        line[1].ShouldBe(new AuditDetailLine("Request id", null, "—"));
    }

    [Fact]
    public void TheScheduleSwitch_ReadsAsOnOff_AndNestedValuesStayCompact()
    {
        AuditDetail.Lines("environment.schedule-changed", """{"from":false,"to":true}""", TimeZoneInfo.Utc)
            .ShouldBe(new[] { new AuditDetailLine("Off-hours schedule", "off", "on") });
        AuditDetail.Lines("environment.requested", """{"parameters":{"a":"1"},"subnets":["s-1","s-2"]}""", TimeZoneInfo.Utc)
            .ShouldBe(new[] { new AuditDetailLine("Parameters", null, """{"a":"1"}"""), new AuditDetailLine("Subnets", null, "s-1, s-2") });
    }

    [Fact]
    public void EmptyOrMalformedDetail_IsNoLineOrTheTextAsIs()
    {
        AuditDetail.Lines("x", "{}", TimeZoneInfo.Utc).ShouldBeEmpty();
        AuditDetail.Lines("x", "not json", TimeZoneInfo.Utc).ShouldBe(new[] { new AuditDetailLine("Detail", null, "not json") });
    }
}
