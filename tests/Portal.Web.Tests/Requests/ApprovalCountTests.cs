using Portal.Web.Features.Requests;

namespace Portal.Web.Tests.Requests;

/// <summary>How many approvals a request has, said the same way wherever it shows (the engineer's home card said "0 of 1 approvals").</summary>
public sealed class ApprovalCountTests
{
    [Theory]
    [InlineData(0, 1, "0 of 1 approval")]
    [InlineData(1, 1, "1 of 1 approval")]
    [InlineData(0, 2, "0 of 2 approvals")]
    [InlineData(1, 2, "1 of 2 approvals")]
    public void TheCount_AgreesWithWhatIsRequired(int approvals, int required, string said) =>
        RequestDetail.ApprovalCount(approvals, required).ShouldBe(said);
}
