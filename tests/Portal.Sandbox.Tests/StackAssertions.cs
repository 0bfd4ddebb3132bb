using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

internal static class StackAssertions
{
    public static async Task<Stack> DescribeAsync(this ICloudFormationClient client, string nameOrId) =>
        (await client.DescribeStacksAsync(new DescribeStacksRequest { StackName = nameOrId }, CancellationToken.None)).Stacks.Single();

    /// <summary>Advances the fake clock a minute at a time (at most two hours) until the stack's status is terminal.</summary>
    public static async Task<Stack> SettleAsync(this SandboxServer server, ICloudFormationClient client, string nameOrId)
    {
        for (var i = 0; i < 120; i++)
        {
            var stack = await client.DescribeAsync(nameOrId);
            if (StackStatus.IsTerminal(stack.StackStatus))
            {
                return stack;
            }

            server.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        throw new TimeoutException($"{nameOrId} did not settle.");
    }

    public static async Task<List<StackEvent>> EventsAsync(this ICloudFormationClient client, string nameOrId)
    {
        var events = new List<StackEvent>();
        await foreach (var e in client.DescribeAllStackEventsAsync(new DescribeStackEventsRequest { StackName = nameOrId }, CancellationToken.None))
        {
            events.Add(e);
        }

        return events;
    }
}
