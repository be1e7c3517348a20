using System.Xml.Linq;
using Amazon.EC2.Model;
using Microsoft.AspNetCore.Http;
using PeeringAutomation.Local.Aws;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// Network ACLs carry entries AWS adds and nobody can delete: every ACL ends with rule
/// <c>32767</c> deny-all (0.0.0.0/0) in and out, and in a VPC with an IPv6 block the default ACL
/// also allows <c>::/0</c> (rule 101) and every ACL denies it last (rule 32768). moto creates only
/// the default ACL's IPv4 entries, so a custom ACL looks like it allows everything. The layer adds
/// the missing entries to DescribeNetworkAcls answers.
/// </summary>
public sealed class DefaultNaclEntries(AccountClients moto)
{
    public async Task HandleAsync(HttpContext context, Caller caller, RequestDelegate next)
    {
        var (status, body, xml) = await Ec2Wire.CaptureAsync(context, next);
        var acls = xml?.Root?.Child("networkAclSet")?.Elements().ToList() ?? [];
        if (status != 200 || xml is null || acls.Count == 0)
        {
            await Ec2Wire.WriteAsync(context, status, body);
            return;
        }
        var vpcIds = acls.Select(a => a.Text("vpcId")).OfType<string>().Distinct().ToList();
        var ec2 = await moto.Ec2Async(caller.Account, caller.Region);
        var vpcs = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = vpcIds }, context.RequestAborted)).Vpcs ?? [];
        var ipv6 = vpcs.Where(v => (v.Ipv6CidrBlockAssociationSet ?? []).Count > 0).Select(v => v.VpcId).ToHashSet();
        foreach (var acl in acls)
        {
            AddMissing(acl, ipv6.Contains(acl.Text("vpcId") ?? ""));
        }
        await Ec2Wire.WriteAsync(context, status, xml);
    }

    /// <summary>Adds AWS's fixed entries an ACL lacks.</summary>
    public static void AddMissing(XElement acl, bool vpcHasIpv6)
    {
        var ns = acl.Name.Namespace;
        var entries = acl.Child("entrySet");
        if (entries is null)
        {
            acl.Add(entries = new XElement(ns + "entrySet"));
        }
        var isDefault = acl.Text("default") == "true";
        foreach (var egress in new[] { true, false })
        {
            Ensure(entries, 32767, "deny", egress, "cidrBlock", "0.0.0.0/0");
            if (vpcHasIpv6)
            {
                if (isDefault)
                {
                    Ensure(entries, 101, "allow", egress, "ipv6CidrBlock", "::/0");
                }
                Ensure(entries, 32768, "deny", egress, "ipv6CidrBlock", "::/0");
            }
        }
    }

    private static void Ensure(XElement entries, int rule, string action, bool egress, string field, string cidr)
    {
        var ns = entries.Name.Namespace;
        var flag = egress ? "true" : "false";
        if (entries.Elements().Any(e => e.Text("ruleNumber") == rule.ToString() && e.Text("egress") == flag))
        {
            return;
        }
        entries.Add(new XElement(ns + "item",
            new XElement(ns + "ruleNumber", rule),
            new XElement(ns + "protocol", "-1"),
            new XElement(ns + "ruleAction", action),
            new XElement(ns + "egress", flag),
            new XElement(ns + field, cidr)));
    }
}
