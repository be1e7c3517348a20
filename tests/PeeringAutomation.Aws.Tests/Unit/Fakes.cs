using System.Net;
using System.Reflection;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;

namespace PeeringAutomation.Aws.Tests.Unit;

/// <summary>
/// A stand-in for an SDK client interface (IAmazonEC2, IAmazonSecurityTokenService) that answers
/// only the calls a test scripts and records every call. Anything unscripted fails loudly.
/// </summary>
public class FakeAwsClient : DispatchProxy
{
    private readonly Dictionary<string, Func<object, Task>> handlers = [];
    private readonly List<(string Method, object? Request)> calls = [];

    public IReadOnlyList<(string Method, object? Request)> Calls
    {
        get
        {
            lock (calls)
            {
                return [.. calls];
            }
        }
    }

    public static (T Client, FakeAwsClient Fake) Create<T>() where T : class
    {
        var client = Create<T, FakeAwsClient>();
        return (client, (FakeAwsClient)(object)client);
    }

    /// <summary>Scripts <paramref name="method"/> (e.g. <c>DescribeVpcsAsync</c>).</summary>
    public FakeAwsClient On<TRequest, TResponse>(string method, Func<TRequest, Task<TResponse>> handler)
    {
        handlers[method] = request => handler((TRequest)request);
        return this;
    }

    public IEnumerable<T> Requests<T>() => Calls.Select(c => c.Request).OfType<T>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var name = targetMethod?.Name ?? "";
        var request = args is { Length: > 0 } ? args[0] : null;
        lock (calls)
        {
            calls.Add((name, request));
        }
        if (name == nameof(IDisposable.Dispose))
        {
            return null;
        }
        return handlers.TryGetValue(name, out var handler)
            ? handler(request!)
            : throw new NotSupportedException($"the fake client has no answer scripted for {name}");
    }
}

/// <summary>SDK exceptions as the SDK builds them from an error response.</summary>
public static class AwsErrors
{
    public static AmazonEC2Exception Ec2(string code, HttpStatusCode status = HttpStatusCode.BadRequest, string message = "boom") =>
        new(message, ErrorType.Sender, code, "req-1", status);

    public static AmazonSecurityTokenServiceException Sts(string code, HttpStatusCode status = HttpStatusCode.Forbidden, string message = "nope") =>
        new(message, ErrorType.Sender, code, "req-1", status);
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
