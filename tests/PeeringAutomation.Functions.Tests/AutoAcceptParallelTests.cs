using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Functions.Tests;

/// <summary>The auto-accept scan reads account-regions at once, never more than its bound (no timing: a barrier).</summary>
public sealed class AutoAcceptParallelTests
{
    /// <summary>
    /// Counts scans between entering <see cref="ForAsync"/> and leaving it; the first <c>bound</c> arrivals wait
    /// for each other there. Scanned one after another, the first would wait alone (and time out).
    /// </summary>
    private sealed class Barrier(IEc2GatewayFactory inner, int bound) : IEc2GatewayFactory
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrivals;
        private int inFlight;

        public int MaxInFlight { get; private set; }

        public async Task<IEc2Gateway> ForAsync(AccountRegion scope, CancellationToken ct = default)
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (all)
            {
                MaxInFlight = Math.Max(MaxInFlight, now);
            }
            try
            {
                var arrived = Interlocked.Increment(ref arrivals);
                if (arrived == bound)
                {
                    all.TrySetResult();
                }
                if (arrived <= bound)
                {
                    await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(20), ct));
                }
                return await inner.ForAsync(scope, ct);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    [Fact]
    public async Task AutoAcceptorScan_ReadsScopesAtOnceUpToItsBoundGivenEightAccountRegions()
    {
        var accounts = new[] { "111111111111", "222222222222", "333333333333", "444444444444" }.Select(AccountId.Parse).ToHashSet();
        var world = new ProvisioningWorld(s => s with { Policy = s.Policy with { ManagedAccounts = accounts } });
        var policy = world.Services.Settings.Policy;
        var barrier = new Barrier(world.Ec2, bound: 4);
        var acceptor = new AutoAcceptor(barrier, world.Ledger, policy, TimeProvider.System) { MaxParallelScopes = 4 };

        var scan = await acceptor.ScanAsync();

        scan.ScopesScanned.ShouldBe(8);
        scan.Failures.ShouldBeEmpty();
        barrier.MaxInFlight.ShouldBe(4, "four scopes are read at once, and no more");
    }

    [Fact]
    public async Task AutoAcceptorScan_ReportsFailuresInScopeOrderGivenUnreachableAccounts()
    {
        var accounts = new[] { "111111111111", "222222222222", "333333333333", "444444444444" }.Select(AccountId.Parse).ToHashSet();
        var world = new ProvisioningWorld(s => s with { Policy = s.Policy with { ManagedAccounts = accounts } });
        world.Ec2.UnreachableAccounts.Add(AccountId.Parse("444444444444"));
        world.Ec2.UnreachableAccounts.Add(AccountId.Parse("222222222222"));

        var scan = await world.Services.AutoAcceptor.ScanAsync();

        var expected = world.Services.Settings.Policy.ManagedScopes
            .Where(s => world.Ec2.UnreachableAccounts.Contains(s.Account)).Select(s => (s.Account, s.Region)).ToList();
        scan.Failures.Select(f => (f.AccountId, f.Region)).ShouldBe(expected, "failures in scope order, whatever finished first");
    }
}
