using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Portal.Web.Components.Layout;

namespace Portal.Web.Tests.Components;

public sealed class PortalErrorBoundaryTests : PortalComponentTest
{
    [Fact]
    public void APageThatThrowsWhileRendering_ShowsTheMessageWithReload_InsteadOfTheCircuitDying()
    {
        var boundary = Render<PortalErrorBoundary>(p => p.AddChildContent<ThrowingPage>());

        var message = boundary.Find("[data-testid=page-error]");
        message.TextContent.ShouldContain("This page ran into a problem");
        boundary.Find("[data-testid=page-error-reload]").TextContent.ShouldContain("Reload");
        boundary.FindAll("[data-testid=healthy]").ShouldBeEmpty();
    }

    [Fact]
    public void AHealthyPage_RendersAsItIs()
    {
        var boundary = Render<PortalErrorBoundary>(p => p.AddChildContent<HealthyPage>());

        boundary.Find("[data-testid=healthy]").TextContent.ShouldBe("fine");
        boundary.FindAll("[data-testid=page-error]").ShouldBeEmpty();
    }

    [Fact]
    public void TryAgain_RendersThePageAfresh()
    {
        ThrowingOnce.Thrown = false;
        var boundary = Render<PortalErrorBoundary>(p => p.AddChildContent<ThrowingOnce>());
        boundary.Find("[data-testid=page-error]");

        boundary.Find("[data-testid=page-error-retry]").Click();

        boundary.WaitForAssertion(() => boundary.Find("[data-testid=healthy]").TextContent.ShouldBe("recovered"));
    }

    private sealed class ThrowingPage : ComponentBase
    {
        protected override void BuildRenderTree(RenderTreeBuilder builder) => throw new InvalidOperationException("Injected render fault");
    }

    private sealed class HealthyPage : ComponentBase
    {
        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "p");
            builder.AddAttribute(1, "data-testid", "healthy");
            builder.AddContent(2, "fine");
            builder.CloseElement();
        }
    }

    private sealed class ThrowingOnce : ComponentBase
    {
        public static bool Thrown { get; set; }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            if (!Thrown)
            {
                Thrown = true;
                throw new InvalidOperationException("Injected render fault");
            }

            builder.OpenElement(0, "p");
            builder.AddAttribute(1, "data-testid", "healthy");
            builder.AddContent(2, "recovered");
            builder.CloseElement();
        }
    }
}
