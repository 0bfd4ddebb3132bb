using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>The cost charts' labels.</summary>
public sealed class CostFormatTests
{
    // "Dec 25" on the monthly chart's axis read as the 25th of December (seen in session 17's screenshots).
    [Theory]
    [InlineData("2025-12", "Dec 2025")]
    [InlineData("2026-01", "Jan 2026")]
    [InlineData("not-a-month", "not-a-month")]
    public void AMonth_IsLabelledWithItsWholeYear(string month, string label) => CostFormat.Month(month).ShouldBe(label);

    // The services table said "AmazonCloudWatch" under a bar labelled "CloudWatch", and the environment's cost panel had its own
    // names ("Relational Database Service" where the dashboards say "RDS"): one name everywhere, cut only on an axis.
    [Theory]
    [InlineData("AmazonCloudWatch", "CloudWatch")]
    [InlineData("Amazon Relational Database Service", "RDS")]
    [InlineData("EC2 - Other", "EC2 other")]
    [InlineData("Amazon Elastic Compute Cloud - Compute", "EC2 compute")]
    [InlineData("AWS Step Functions", "Step Functions")]
    [InlineData("Amazon Simple Notification Service", "Simple Notification Service")]
    public void AService_IsNamedAsPeopleSayIt(string service, string name) => CostFormat.ServiceName(service).ShouldBe(name);

    [Fact]
    public void AServiceOnAnAxis_IsCutPastEighteenCharacters_TheSameNameOtherwise()
    {
        CostFormat.Service("Amazon Simple Notification Service").ShouldBe("Simple Notificati…");
        CostFormat.Service("AmazonCloudWatch").ShouldBe("CloudWatch");
    }

    [Fact]
    public void ServicesOfOneName_AreOneRow_NamedByIt_AndAServiceAloneKeepsCostExplorersName()
    {
        var merged = CostFormat.ByServiceName([
            new SpendShare("AmazonCloudWatch", 5m, 50m),
            new SpendShare("Amazon Elastic Load Balancing", 3m, 30m),
            new SpendShare("Elastic Load Balancing", 2.5m, 20m),
        ]);

        merged.ShouldBe([new SpendShare("Load balancing", 5.5m, 50m), new SpendShare("AmazonCloudWatch", 5m, 50m)]);
    }
}
