using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PeeringAutomation.Local.EventBus;

/// <summary>Who made a call: the account and the principal ARN (a role's ARN for an assumed-role session).</summary>
public sealed record Caller(string Account, string PrincipalArn);

/// <summary>
/// Resolves the access key of a request to its account and principal, as AWS does from the
/// signature. moto checks no signatures but maps every key it issued through sts:AssumeRole to the
/// role's account, so the host asks moto (GetCallerIdentity with that key) once per key.
/// <c>testing</c> is the hub; <c>ak</c> is what moto's Step Functions engine signs with, so it stands
/// for the state machines' roles.
/// </summary>
public sealed partial class CallerIdentities(Uri moto, string hubAccount, string stateMachineRoleArn) : IDisposable
{
    public const string HubKey = "testing";
    public const string StateMachineKey = "ak";

    private readonly HttpClient http = new() { BaseAddress = moto, Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, Lazy<Task<Caller>>> known = new();

    /// <summary>The access key named in a SigV4 <c>Authorization</c> header (null when absent).</summary>
    public static string? AccessKeyOf(string? authorization) =>
        authorization is not null && CredentialPattern().Match(authorization) is { Success: true } match ? match.Groups[1].Value : null;

    public Task<Caller> ResolveAsync(string? accessKey) => accessKey switch
    {
        null or HubKey => Task.FromResult(new Caller(hubAccount, $"arn:aws:iam::{hubAccount}:root")),
        StateMachineKey => Task.FromResult(new Caller(hubAccount, stateMachineRoleArn)),
        _ => known.GetOrAdd(accessKey, key => new Lazy<Task<Caller>>(() => AskMotoAsync(key))).Value,
    };

    private async Task<Caller> AskMotoAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([new("Action", "GetCallerIdentity"), new("Version", "2011-06-15")]),
        };
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={key}/{DateTime.UtcNow:yyyyMMdd}/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var account = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Account")?.Value ?? hubAccount;
        var arn = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Arn")?.Value ?? $"arn:aws:iam::{account}:root";
        // arn:aws:sts::A:assumed-role/Role/session is evaluated as the role: arn:aws:iam::A:role/Role.
        if (AssumedRolePattern().Match(arn) is { Success: true } assumed)
        {
            arn = $"arn:aws:iam::{assumed.Groups[1].Value}:role/{assumed.Groups[2].Value}";
        }
        return new Caller(account, arn);
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex(@"Credential=([^/,\s]+)/")]
    private static partial Regex CredentialPattern();

    [GeneratedRegex(@"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/")]
    private static partial Regex AssumedRolePattern();
}
