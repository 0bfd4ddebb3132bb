using Portal.Data.Entities.Lifecycle;
using Portal.Web.Features.Live;
using Portal.Web.Features.Requests;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// What the requests list and the approval queue do with a changed request row (<see cref="RequestsLiveList"/>): in place for
/// the common membership changes (a new request on the first page newest first, a decided request leaving the queue), a
/// reload only where order needs the database.
/// </summary>
public sealed class RequestsLiveListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);
    private static readonly Func<RequestSummary, bool> Pending = r => r.Status == RequestStatus.PendingApproval;
    private static readonly Func<RequestSummary, bool> Any = _ => true;

    [Fact]
    public void A_new_request_is_inserted_at_the_top_of_the_first_page_newest_first_and_the_last_row_moves_on()
    {
        var shown = Rows(3, 2, 1); // minutes after T0, newest first
        var row = Row(4);
        var decision = RequestsLiveList.Decide(shown, firstPage: true, pageSize: 3, Any, RequestSort.Created, descending: true, row.Id, row);
        decision.ShouldBe(new RequestRowDecision(RequestRowAction.Insert, 0));

        RequestsLiveList.Apply(shown, decision, 3, row).ShouldBe(1);
        shown.Select(r => r.CreatedAt.Minute).ShouldBe([4, 3, 2]);
    }

    [Fact]
    public void A_new_request_on_a_later_page_newest_first_is_left_to_the_next_load()
    {
        var row = Row(9);
        RequestsLiveList.Decide(Rows(3, 2, 1), firstPage: false, pageSize: 3, Any, RequestSort.Created, true, row.Id, row).Action.ShouldBe(RequestRowAction.Ignore);
    }

    [Fact]
    public void A_request_joining_a_page_that_is_not_full_oldest_first_goes_where_its_creation_puts_it()
    {
        var shown = Rows(1, 3);
        var row = Row(2);
        var decision = RequestsLiveList.Decide(shown, true, pageSize: 10, Pending, RequestSort.Created, descending: false, row.Id, row);
        decision.ShouldBe(new RequestRowDecision(RequestRowAction.Insert, 1));
        RequestsLiveList.Apply(shown, decision, 10, row);
        shown.Select(r => r.CreatedAt.Minute).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void A_new_request_after_a_full_page_oldest_first_belongs_to_a_later_page()
    {
        var row = Row(9);
        RequestsLiveList.Decide(Rows(1, 2, 3), true, pageSize: 3, Pending, RequestSort.Created, false, row.Id, row).Action.ShouldBe(RequestRowAction.Ignore);
    }

    [Fact]
    public void A_first_page_with_nothing_shown_takes_the_new_row()
    {
        var row = Row(1);
        RequestsLiveList.Decide([], true, 20, Pending, RequestSort.Created, false, row.Id, row).ShouldBe(new RequestRowDecision(RequestRowAction.Insert, 0));
        RequestsLiveList.Decide([], false, 20, Pending, RequestSort.Created, false, row.Id, row).Action.ShouldBe(RequestRowAction.Ignore);
    }

    [Fact]
    public void A_decided_request_leaves_the_queue_in_place_and_the_total_drops()
    {
        var shown = Rows(1, 2, 3);
        var decided = shown[0] with { Status = RequestStatus.Rejected };
        var decision = RequestsLiveList.Decide(shown, true, 3, Pending, RequestSort.Created, false, decided.Id, decided);
        decision.ShouldBe(new RequestRowDecision(RequestRowAction.Remove, 0));

        RequestsLiveList.Apply(shown, decision, 3, decided).ShouldBe(-1);
        shown.Select(r => r.CreatedAt.Minute).ShouldBe([2, 3]);
    }

    [Fact]
    public void A_request_that_is_gone_leaves_the_page()
    {
        var shown = Rows(1, 2);
        RequestsLiveList.Decide(shown, true, 20, Any, RequestSort.Created, true, shown[1].Id, null).ShouldBe(new RequestRowDecision(RequestRowAction.Remove, 1));
    }

    [Fact]
    public void A_shown_request_still_matching_is_swapped_in_place()
    {
        var shown = Rows(2, 1);
        var approved = shown[1] with { Approvals = 1 };
        var decision = RequestsLiveList.Decide(shown, true, 20, Pending, RequestSort.Created, true, approved.Id, approved);
        decision.ShouldBe(new RequestRowDecision(RequestRowAction.Replace, 1));
        RequestsLiveList.Apply(shown, decision, 20, approved).ShouldBe(0);
        shown[1].Approvals.ShouldBe(1);
    }

    [Fact]
    public void Only_the_database_orders_a_tie_in_creation_time_or_another_sort()
    {
        var shown = Rows(3, 2, 1);
        var tie = Row(2);
        RequestsLiveList.Decide(shown, true, 20, Any, RequestSort.Created, true, tie.Id, tie).Action.ShouldBe(RequestRowAction.Reload);

        var named = Row(4);
        RequestsLiveList.Decide(shown, true, 20, Any, RequestSort.Environment, false, named.Id, named).Action.ShouldBe(RequestRowAction.Reload);

        // Shown, but its sort key changed: it may move.
        var moved = shown[0] with { Status = RequestStatus.Approved };
        RequestsLiveList.Decide(shown, true, 20, Any, RequestSort.Status, false, moved.Id, moved).Action.ShouldBe(RequestRowAction.Reload);
    }

    [Fact]
    public void A_change_that_does_not_match_and_is_not_shown_is_ignored()
    {
        var rejected = Row(5) with { Status = RequestStatus.Rejected };
        RequestsLiveList.Decide(Rows(1, 2), true, 20, Pending, RequestSort.Created, false, rejected.Id, rejected).Action.ShouldBe(RequestRowAction.Ignore);
    }

    private static List<RequestSummary> Rows(params int[] minutes) => [.. minutes.Select(Row)];

    private static RequestSummary Row(int minute) => new(
        Guid.NewGuid(), "create", RequestStatus.PendingApproval, new PersonRef(Guid.NewGuid(), "dev@example.com", "Dev"), Guid.Empty, "payments",
        $"env-{minute}", "static-site", "staging", 10m, 10m, 10m, 10m, "", 0, 1, null, T0.AddMinutes(minute), null);
}
