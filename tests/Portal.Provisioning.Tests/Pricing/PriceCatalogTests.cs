using Portal.Provisioning.Pricing;
using Portal.Provisioning.Pricing.Pricers;

namespace Portal.Provisioning.Tests.Pricing;

public sealed class PriceCatalogTests
{
    private static readonly PriceCatalog Catalog = PriceCatalog.Default;

    public static TheoryData<string, string, string> KeysThePricersUse => new()
    {
        { FargateServicePricer.Vcpu.Service, FargateServicePricer.Vcpu.ResourceType, FargateServicePricer.Vcpu.Dimension },
        { FargateServicePricer.Memory.Service, FargateServicePricer.Memory.ResourceType, FargateServicePricer.Memory.Dimension },
        { EksClusterPricer.ControlPlane.Service, EksClusterPricer.ControlPlane.ResourceType, EksClusterPricer.ControlPlane.Dimension },
        { RdsInstancePricer.Gp3Storage.Service, RdsInstancePricer.Gp3Storage.ResourceType, RdsInstancePricer.Gp3Storage.Dimension },
        { AuroraInstancePricing.ServerlessAcu.Service, AuroraInstancePricing.ServerlessAcu.ResourceType, AuroraInstancePricing.ServerlessAcu.Dimension },
        { AuroraClusterPricer.Storage.Service, AuroraClusterPricer.Storage.ResourceType, AuroraClusterPricer.Storage.Dimension },
        { NatGatewayPricer.Hour.Service, NatGatewayPricer.Hour.ResourceType, NatGatewayPricer.Hour.Dimension },
        { NatGatewayPricer.Processed.Service, NatGatewayPricer.Processed.ResourceType, NatGatewayPricer.Processed.Dimension },
        { ElasticIpPricer.PublicIpv4.Service, ElasticIpPricer.PublicIpv4.ResourceType, ElasticIpPricer.PublicIpv4.Dimension },
        { LoadBalancerPricer.Hour.Service, LoadBalancerPricer.Hour.ResourceType, LoadBalancerPricer.Hour.Dimension },
        { LoadBalancerPricer.Lcu.Service, LoadBalancerPricer.Lcu.ResourceType, LoadBalancerPricer.Lcu.Dimension },
        { S3BucketPricer.Storage.Service, S3BucketPricer.Storage.ResourceType, S3BucketPricer.Storage.Dimension },
        { LogGroupPricer.Ingestion.Service, LogGroupPricer.Ingestion.ResourceType, LogGroupPricer.Ingestion.Dimension },
        { LogGroupPricer.Storage.Service, LogGroupPricer.Storage.ResourceType, LogGroupPricer.Storage.Dimension },
        { EcrRepositoryPricer.Storage.Service, EcrRepositoryPricer.Storage.ResourceType, EcrRepositoryPricer.Storage.Dimension },
        { CloudFrontPricer.TransferOut.Service, CloudFrontPricer.TransferOut.ResourceType, CloudFrontPricer.TransferOut.Dimension },
        { SimpleMonthlyPricer.Secret.Service, SimpleMonthlyPricer.Secret.ResourceType, SimpleMonthlyPricer.Secret.Dimension },
        { SimpleMonthlyPricer.KmsKey.Service, SimpleMonthlyPricer.KmsKey.ResourceType, SimpleMonthlyPricer.KmsKey.Dimension },
        { AlarmPricer.StandardAlarm.Service, AlarmPricer.StandardAlarm.ResourceType, AlarmPricer.StandardAlarm.Dimension },
        { StackUsagePricer.DataTransferOut.Service, StackUsagePricer.DataTransferOut.ResourceType, StackUsagePricer.DataTransferOut.Dimension },
    };

    [Theory]
    [MemberData(nameof(KeysThePricersUse))]
    public void EveryKeyThePricersUse_HasAPriceInBothRegions(string service, string resourceType, string dimension)
    {
        foreach (var region in PriceCatalog.SupportedRegions)
        {
            Catalog.TryGet(region, new PriceKey(service, resourceType, dimension), out var price).ShouldBeTrue($"{service}/{resourceType}/{dimension} in {region}");
            price!.Usd.ShouldBeGreaterThan(0m);
            price.Source.ShouldStartWith("https://");
        }
    }

    [Fact]
    public void SourcedRow_KeepsItsFigureUnitSourceAndNotes()
    {
        var price = Catalog.Get(PriceCatalog.UsEast1, FargateServicePricer.Vcpu);

        price.Usd.ShouldBe(0.04048m);
        price.Unit.ShouldBe("vCPU-hour");
        price.Region.ShouldBe("us-east-1");
        price.Source.ShouldBe("https://www.vantage.sh/blog/fargate-pricing");
        price.Notes.ShouldContain("Linux/ARM 0.03238");
        price.Basis.ShouldBe(PriceBasis.Sourced);
    }

    [Fact]
    public void UnverifiedRow_IsMarkedUnverified()
    {
        var price = Catalog.Get(PriceCatalog.UsEast1, RdsInstancePricer.PostgresInstance("db.t3.micro", multiAz: false));

        price.Usd.ShouldBe(0.018m);
        price.Basis.ShouldBe(PriceBasis.Unverified);
        price.Notes.ShouldContain("UNVERIFIED");
    }

    [Fact]
    public void Ec2InstanceList_CoversTypesBeyondPricesCsv()
    {
        Catalog.TryGetEc2OnDemand(PriceCatalog.UsEast1, "a1.medium", out var price).ShouldBeTrue();

        price!.Usd.ShouldBe(0.0255m);
        price.Notes.ShouldContain("2026-07-20");
        price.Basis.ShouldBe(PriceBasis.Sourced);
    }

    [Fact]
    public void UsWest2WithoutARow_IsAssumedEqualToUsEast1()
    {
        var east = Catalog.Get(PriceCatalog.UsEast1, NatGatewayPricer.Hour);
        var fargate = Catalog.Get(PriceCatalog.UsWest2, FargateServicePricer.Vcpu);
        Catalog.TryGetEc2OnDemand(PriceCatalog.UsWest2, "t3.micro", out var ec2).ShouldBeTrue();

        Catalog.Get(PriceCatalog.UsWest2, NatGatewayPricer.Hour).Source.ShouldNotBe(east.Source); // a real us-west-2 row
        fargate.Usd.ShouldBe(0.04048m);
        fargate.Region.ShouldBe("us-west-2");
        fargate.Basis.ShouldBe(PriceBasis.Assumed);
        fargate.Notes.ShouldStartWith("Assumed equal to the us-east-1 price");
        ec2!.Basis.ShouldBe(PriceBasis.Assumed);
        ec2.Notes.ShouldContain("No us-west-2 source found");
    }

    [Fact]
    public void AllRegionsRow_AppliesInBothRegions()
    {
        Catalog.Get(PriceCatalog.UsWest2, SimpleMonthlyPricer.KmsKey).Region.ShouldBe("all");
        Catalog.Get(PriceCatalog.UsWest2, EksClusterPricer.ControlPlane).Basis.ShouldBe(PriceBasis.Sourced);
    }

    [Fact]
    public void UnsupportedRegion_IsAnError() =>
        Should.Throw<ArgumentException>(() => Catalog.TryGet("eu-central-1", SimpleMonthlyPricer.KmsKey, out _));

    [Fact]
    public void Load_ReadsQuotedFieldsAndDoubledQuotes()
    {
        using var prices = File.OpenText(Path.Combine(AppContext.BaseDirectory, "TestData", "Pricing", "prices-without-multi-az.csv"));

        var key = PriceCatalog.Load(prices).Get(PriceCatalog.UsEast1, SimpleMonthlyPricer.KmsKey);

        key.Notes.ShouldBe("UNVERIFIED here, with a \"quoted\" word");
        key.Basis.ShouldBe(PriceBasis.Unverified);
    }
}
