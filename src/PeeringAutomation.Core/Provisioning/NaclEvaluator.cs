using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>Traffic a network ACL would drop (issue 18: <c>naclWarnings</c> in <c>Peering Provisioned</c>).</summary>
public sealed record NaclWarning
{
    /// <summary><c>requester</c> or <c>accepter</c>: whose subnet's ACL drops it.</summary>
    public required string Side { get; init; }

    public required string SubnetId { get; init; }

    public required string NetworkAclId { get; init; }

    /// <summary><c>ingress</c> or <c>egress</c>.</summary>
    public required string Direction { get; init; }

    public required string Protocol { get; init; }

    /// <summary><c>from-to</c>, or <c>all</c>.</summary>
    public required string Ports { get; init; }

    /// <summary>The rule that drops it: a deny, or 32767 for the implicit deny-all at the end.</summary>
    public required int RuleNumber { get; init; }

    public required string Message { get; init; }
}

/// <summary>One flow to judge: from the peer's block, on a protocol and port range, into one side.</summary>
public sealed record NaclFlow(string Protocol, int FromPort, int ToPort, Cidr PeerBlock);

/// <summary>
/// Evaluates network ACLs as AWS does (facts: governance-and-operations §6): per direction, the lowest
/// rule number first, the first match wins, and what no rule matches is denied (rule 32767, which we
/// assume whether or not the describe lists it); stateless, so a flow needs its request allowed in
/// and its reply allowed out on the ephemeral ports (1024-65535, AWS's advice); IPv4 and IPv6 entries
/// never match the other family. A rule that matches only part of the flow (a narrower CIDR or port
/// range) and denies counts: part of the traffic is dropped.
/// </summary>
public static class NaclEvaluator
{
    public const int ImplicitDenyRule = 32767;
    public const int EphemeralFrom = 1024;
    public const int EphemeralTo = 65535;

    /// <summary>
    /// The warnings for flows from the peer into <paramref name="side"/>'s subnets (<paramref name="inbound"/> true: its ACL must let the
    /// request in and the reply out) or out of them towards the peer (false: request out, reply in).
    /// </summary>
    public static IReadOnlyList<NaclWarning> Judge(string side, IReadOnlyList<NetworkAcl> acls, IReadOnlyCollection<string> subnetIds,
        IReadOnlyList<NaclFlow> flows, bool inbound)
    {
        var warnings = new List<NaclWarning>();
        foreach (var subnet in subnetIds.Order(StringComparer.Ordinal))
        {
            var acl = acls.FirstOrDefault(a => a.SubnetIds.Contains(subnet));
            if (acl is null)
            {
                continue; // not described: nothing to judge rather than a guess
            }
            foreach (var flow in flows)
            {
                var (requestEgress, replyEgress) = inbound ? (false, true) : (true, false);
                if (Drop(acl, requestEgress, flow.Protocol, flow.FromPort, flow.ToPort, flow.PeerBlock) is { } request)
                {
                    warnings.Add(Warning(side, subnet, acl, requestEgress, flow.Protocol, flow.FromPort, flow.ToPort, request, flow.PeerBlock,
                        inbound ? "the request from the peer" : "the request to the peer"));
                }
                var (replyFrom, replyTo) = HasPorts(flow.Protocol) ? (EphemeralFrom, EphemeralTo) : (flow.FromPort, flow.ToPort);
                if (Drop(acl, replyEgress, flow.Protocol, replyFrom, replyTo, flow.PeerBlock) is { } reply)
                {
                    warnings.Add(Warning(side, subnet, acl, replyEgress, flow.Protocol, replyFrom, replyTo, reply, flow.PeerBlock,
                        inbound ? "the reply to the peer (ephemeral ports; NACLs are stateless)" : "the reply from the peer (ephemeral ports; NACLs are stateless)"));
                }
            }
        }
        return warnings;
    }

    /// <summary>The rule number that drops (part of) the traffic, or null when every part is allowed.</summary>
    public static int? Drop(NetworkAcl acl, bool egress, string protocol, int fromPort, int toPort, Cidr peer)
    {
        foreach (var entry in acl.Entries.Where(e => e.Egress == egress).OrderBy(e => e.RuleNumber))
        {
            if (entry.Block.Family != peer.Family || !entry.Block.Overlaps(peer) || !ProtocolOverlaps(entry.Protocol, protocol)
                || !PortsOverlap(entry, protocol, fromPort, toPort))
            {
                continue;
            }
            if (!entry.Allow)
            {
                return entry.RuleNumber;
            }
            if (entry.Block.Contains(peer) && ProtocolCovers(entry.Protocol, protocol) && PortsCover(entry, protocol, fromPort, toPort))
            {
                return null;
            }
            // An allow for part of the flow: the rest is decided by later rules.
        }
        return ImplicitDenyRule;
    }

    private static NaclWarning Warning(string side, string subnet, NetworkAcl acl, bool egress, string protocol, int from, int to, int rule, Cidr peer, string what) => new()
    {
        Side = side, SubnetId = subnet, NetworkAclId = acl.Id, Direction = egress ? "egress" : "ingress", Protocol = protocol,
        Ports = HasPorts(protocol) ? $"{from}-{to}" : "all", RuleNumber = rule,
        Message = $"Network ACL {acl.Id} of subnet {subnet} ({side}) drops {what}: {protocol} {(HasPorts(protocol) ? $"ports {from}-{to}" : "")} " +
                  $"{(egress ? "to" : "from")} {peer} " +
                  (rule == ImplicitDenyRule ? "matches no allow rule (the default deny)" : $"is denied by rule {rule}") +
                  "; add an allow with a lower number than any deny for it",
    };

    private static bool HasPorts(string protocol) => protocol is "tcp" or "udp";

    private static string Number(string protocol) => protocol switch
    {
        "tcp" => "6", "udp" => "17", "icmp" => "1", "icmpv6" => "58", "-1" or "all" => "-1", _ => protocol,
    };

    private static bool ProtocolOverlaps(string rule, string flow) => rule == "-1" || Number(flow) == "-1" || rule == Number(flow);

    private static bool ProtocolCovers(string rule, string flow) => rule == "-1" || rule == Number(flow);

    private static bool PortsOverlap(NetworkAclEntry entry, string protocol, int from, int to) =>
        !HasPorts(protocol) || entry.FromPort is null || (entry.FromPort <= to && entry.ToPort >= from);

    private static bool PortsCover(NetworkAclEntry entry, string protocol, int from, int to) =>
        !HasPorts(protocol) || entry.FromPort is null || (entry.FromPort <= from && entry.ToPort >= to);
}
