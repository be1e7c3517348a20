using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// DescribeVpcPeeringConnections as AWS answers it: filters (values OR-ed, filters AND-ed, <c>*</c>
/// and <c>?</c> wildcards, an unknown name is <c>InvalidParameterValue</c>), <c>MaxResults</c> 5-1000
/// with <c>NextToken</c>, and an unknown id <c>InvalidVpcPeeringConnectionID.NotFound</c>. moto
/// ignores filters and paging and answers an unknown id with an empty list.
/// </summary>
public static class PeeringFilters
{
    private static readonly Dictionary<string, Func<XElement, IEnumerable<string?>>> Fields = new(StringComparer.Ordinal)
    {
        ["vpc-peering-connection-id"] = i => [i.Text("vpcPeeringConnectionId")],
        ["status-code"] = i => [i.Text("status", "code")],
        ["status-message"] = i => [i.Text("status", "message")],
        ["expiration-time"] = i => [i.Text("expirationTime")],
        ["requester-vpc-info.vpc-id"] = i => [i.Text("requesterVpcInfo", "vpcId")],
        ["requester-vpc-info.owner-id"] = i => [i.Text("requesterVpcInfo", "ownerId")],
        ["requester-vpc-info.cidr-block"] = i => Cidrs(i.Child("requesterVpcInfo")),
        ["accepter-vpc-info.vpc-id"] = i => [i.Text("accepterVpcInfo", "vpcId")],
        ["accepter-vpc-info.owner-id"] = i => [i.Text("accepterVpcInfo", "ownerId")],
        ["accepter-vpc-info.cidr-block"] = i => Cidrs(i.Child("accepterVpcInfo")),
        ["tag-key"] = i => Tags(i).Select(t => t.Key),
    };

    /// <summary>The filters of the call, or the name of the first unknown one.</summary>
    public static (IReadOnlyList<(string Name, IReadOnlyList<string> Values)> Filters, string? Unknown) Parse(IFormCollection form)
    {
        var filters = new List<(string, IReadOnlyList<string>)>();
        for (var n = 1; form.ContainsKey($"Filter.{n}.Name"); n++)
        {
            var name = form[$"Filter.{n}.Name"].ToString();
            if (!Fields.ContainsKey(name) && !name.StartsWith("tag:", StringComparison.Ordinal))
            {
                return (filters, name);
            }
            filters.Add((name, Ec2Wire.List(form, $"Filter.{n}.Value")));
        }
        return (filters, null);
    }

    /// <summary>Whether a (rewritten) peering item passes every filter.</summary>
    public static bool Matches(XElement item, IReadOnlyList<(string Name, IReadOnlyList<string> Values)> filters) =>
        filters.All(f =>
        {
            var actual = f.Name.StartsWith("tag:", StringComparison.Ordinal)
                ? Tags(item).Where(t => t.Key == f.Name[4..]).Select(t => (string?)t.Value)
                : Fields[f.Name](item);
            return actual.Any(a => a is not null && f.Values.Any(v => Wildcard(v).IsMatch(a)));
        });

    /// <summary>One page of <paramref name="items"/>; the token is the offset of the next page.</summary>
    public static (IReadOnlyList<XElement> Page, string? NextToken, string? Error) Page(IReadOnlyList<XElement> items, IFormCollection form)
    {
        var offset = 0;
        if (form.TryGetValue("NextToken", out var token) && !string.IsNullOrEmpty(token))
        {
            try
            {
                offset = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token.ToString())).Split(':')[1]);
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                return ([], null, $"The token '{token}' is invalid.");
            }
        }
        if (!form.TryGetValue("MaxResults", out var max) || string.IsNullOrEmpty(max))
        {
            return (items.Skip(offset).ToList(), null, null);
        }
        if (!int.TryParse(max, out var size) || size is < 5 or > 1000)
        {
            return ([], null, $"Value ( {max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
        }
        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + size < items.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"pcx-page:{offset + size}")) : null;
        return (page, next, null);
    }

    private static IEnumerable<string?> Cidrs(XElement? info) =>
        info is null ? [] : info.Descendants().Where(e => e.Name.LocalName == "cidrBlock").Select(e => e.Value).Distinct();

    private static IEnumerable<(string Key, string Value)> Tags(XElement item) =>
        item.Child("tagSet")?.Elements().Select(t => (t.Text("key") ?? "", t.Text("value") ?? "")) ?? [];

    private static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
