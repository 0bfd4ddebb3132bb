using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using static Portal.Data.Tests.Lifecycle.LifecycleFixtures;

namespace Portal.Data.Tests.Lifecycle;

public sealed class LifecycleAuditTests
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Transition_AuditedWithItsChange_RecordsFromAndToByName_InTheSameSave(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        await using (var db = database.CreateContext())
        {
            var request = Request(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging"));
            db.EnvironmentRequests.Add(request);
            var change = request.Approve(PlatformEngineer(EngineerOne), "ok", Now);
            db.Audit(Now, new AuditActor(EngineerOne, "pe-b1"), "request.approved", EnvironmentRequest.AuditTargetType, request.Id.ToString(), new { change.From, change.To, request.PolicyReason });
            await db.SaveChangesAsync();
        }

        await using var read = database.CreateContext();
        var audit = await read.AuditEvents.SingleAsync();
        audit.TargetType.ShouldBe("environment-request");
        audit.Detail.ShouldContain("\"from\"");
        audit.Detail.ShouldContain("\"PendingApproval\"");
        audit.Detail.ShouldContain("\"Approved\"");
        (await read.EnvironmentRequests.SingleAsync()).Status.ShouldBe(RequestStatus.Approved);
    }
}
