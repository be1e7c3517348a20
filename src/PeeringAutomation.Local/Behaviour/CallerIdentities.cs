using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// Which account an access key is. moto maps every key <c>sts:AssumeRole</c> hands out to the
/// role's account (and any other key to its default account); rather than copy that rule, the
/// layer asks moto itself (<c>sts:GetCallerIdentity</c> with the same key) once per key.
/// </summary>
public sealed class CallerIdentities(HttpClient moto)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> accounts = new();

    /// <summary>The caller of a SigV4-signed request, or null when it is not signed (then the layer stays out).</summary>
    public async Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct)
    {
        var authorization = request.Headers.Authorization.ToString();
        var start = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        var scope = authorization[(start + "Credential=".Length)..].Split([',', ' '], 2)[0].Split('/');
        if (scope.Length < 3 || scope[0].Length == 0)
        {
            return null;
        }
        var (key, region) = (scope[0], scope[2]);
        var lazy = accounts.GetOrAdd(key, k => new Lazy<Task<string>>(() => AskMotoAsync(k)));
        try
        {
            return new Caller(await lazy.Value.WaitAsync(ct), region);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            accounts.TryRemove(key, out _); // ask again next time
            throw;
        }
    }

    private async Task<string> AskMotoAsync(string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([new("Action", "GetCallerIdentity"), new("Version", "2011-06-15")]),
        };
        message.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await moto.SendAsync(message);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Account")?.Value
            ?? throw new InvalidOperationException($"moto did not say which account key {key} is: {xml}");
    }
}
