using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.EventBus;

/// <summary>
/// The account that really put each event. A member's event reaches the hub bus because the host
/// forwards it to moto as the hub (moto files events under the caller's account); on AWS the
/// envelope <c>account</c> is the sender's, so the bridge writes it back before a workflow sees it.
/// </summary>
public sealed class EventSenders
{
    private readonly ConcurrentDictionary<string, string> byEventId = new();
    private int putsInFlight;

    /// <summary>Marks a forwarded PutEvents as in flight: its events may reach the bridge before their sender is known.</summary>
    public IDisposable BeginPut()
    {
        Interlocked.Increment(ref putsInFlight);
        return new Done(() => Interlocked.Decrement(ref putsInFlight));
    }

    public void Record(string eventId, string account) => byEventId[eventId] = account;

    /// <summary>Writes the sender's account into the envelope (waiting out a PutEvents still being answered).</summary>
    public async Task RestoreAsync(JsonObject envelope, CancellationToken ct)
    {
        for (var waited = 0; Volatile.Read(ref putsInFlight) > 0 && waited < 200; waited++)
        {
            await Task.Delay(5, ct);
        }
        if (envelope["id"]?.GetValue<string>() is { } id && byEventId.TryGetValue(id, out var account))
        {
            envelope["account"] = account;
        }
    }

    private sealed class Done(Action done) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                done();
            }
        }
    }
}
