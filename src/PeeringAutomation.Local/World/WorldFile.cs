using PeeringAutomation.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Local.World;

/// <summary>
/// The world the local stack creates in moto at start-up: accounts, and in them VPCs (with
/// secondary IPv4 blocks, an Amazon-provided IPv6 block, subnets, route tables, security groups,
/// flow logs). Names are unique across the world so stories and tests can look resources up by
/// name. See worlds/default.yaml for the format.
/// </summary>
public sealed record WorldSpec(IReadOnlyList<AccountSpec> Accounts)
{
    /// <summary>Every region any VPC lives in, sorted.</summary>
    public IReadOnlyList<string> Regions => Accounts.SelectMany(a => a.Vpcs).Select(v => v.Region).Distinct().Order().ToList();

    /// <summary>An empty world (<c>--no-world</c>).</summary>
    public static WorldSpec Empty { get; } = new([]);
}

/// <summary>One AWS account of the world.</summary>
public sealed record AccountSpec(string Id, string Name, IReadOnlyList<VpcSpec> Vpcs);

/// <summary>A VPC. <see cref="Ipv6"/> asks for an Amazon-provided /56.</summary>
public sealed record VpcSpec(
    string Name,
    string Region,
    string Cidr,
    IReadOnlyList<string> SecondaryCidrs,
    bool Ipv6,
    bool FlowLogs,
    bool InternetGateway,
    IReadOnlyList<SubnetSpec> Subnets,
    IReadOnlyList<RouteTableSpec> RouteTables,
    IReadOnlyList<SecurityGroupSpec> SecurityGroups)
{
    /// <summary>Extra tags on the VPC, e.g. <c>peering-automation:accept-from</c> (the consent of its owner).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>A subnet, associated with a named route table (else the main one).</summary>
public sealed record SubnetSpec(string Name, string Cidr, string? AvailabilityZone, string? RouteTable);

/// <summary>A route table; <see cref="Main"/> names and configures the VPC's main table instead of creating one.</summary>
public sealed record RouteTableSpec(string Name, bool Main, IReadOnlyList<RouteSpec> Routes);

/// <summary>A route to the VPC's internet gateway (the only non-local target a world needs).</summary>
public sealed record RouteSpec(string Destination, string Target);

/// <summary>A security group with ingress rules from CIDR blocks.</summary>
public sealed record SecurityGroupSpec(string Name, string Description, IReadOnlyList<IngressSpec> Ingress);

/// <summary>One ingress rule.</summary>
public sealed record IngressSpec(string Protocol, int FromPort, int ToPort, string Cidr, string? Description);

/// <summary>The world file is invalid: <see cref="Exception.Message"/> has the file, path and reason.</summary>
public sealed class WorldFileError(string file, string path, string reason) : Exception($"{file}: {path}: {reason}")
{
    public string File { get; } = file;
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}

/// <summary>Reads and validates world files.</summary>
public static class WorldFile
{
    private static readonly System.Text.RegularExpressions.Regex RegionPattern = new("^[a-z]{2}(-gov)?-[a-z]+-\\d$");

    /// <summary>Reads <paramref name="file"/>; throws <see cref="WorldFileError"/> naming the path of the first problem.</summary>
    public static WorldSpec Load(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new WorldFileError(file, "$", "file not found");
        }
        return Parse(System.IO.File.ReadAllText(file), file);
    }

    /// <summary>Parses YAML (or JSON) text; <paramref name="file"/> only names the source in errors.</summary>
    public static WorldSpec Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new WorldFileError(file, $"line {e.Start.Line}", e.Message);
        }
        if (stream.Documents.Count == 0)
        {
            throw new WorldFileError(file, "$", "the file is empty");
        }
        var root = new Node(file, "", stream.Documents[0].RootNode);
        root.Only("accounts");
        var accounts = root.List("accounts", required: true).Select(ParseAccount).ToList();
        Validate(file, accounts);
        return new WorldSpec(accounts);
    }

    private static AccountSpec ParseAccount(Node node)
    {
        node.Only("id", "name", "vpcs");
        var id = node.String("id")!;
        if (id.Length != 12 || !id.All(char.IsAsciiDigit))
        {
            throw node.Error("id", $"'{id}' is not a 12-digit AWS account id (quote it so YAML keeps leading zeros)");
        }
        return new AccountSpec(id, node.String("name", required: false) ?? id, node.List("vpcs").Select(ParseVpc).ToList());
    }

    private static VpcSpec ParseVpc(Node node)
    {
        node.Only("name", "region", "cidr", "secondaryCidrs", "ipv6", "flowLogs", "internetGateway", "subnets", "routeTables", "securityGroups", "tags");
        var region = node.String("region")!;
        if (!RegionPattern.IsMatch(region))
        {
            throw node.Error("region", $"'{region}' is not an AWS region name (e.g. us-east-1)");
        }
        var cidr = node.CidrString("cidr", IpFamily.IPv4);
        var secondary = node.Scalars("secondaryCidrs").Select((c, i) => node.CheckCidr($"secondaryCidrs[{i}]", c, IpFamily.IPv4)).ToList();
        var tags = node.Mapping("tags");
        return new VpcSpec(
            node.String("name")!, region, cidr, secondary,
            node.Bool("ipv6"), node.Bool("flowLogs"), node.Bool("internetGateway"),
            node.List("subnets").Select(s =>
            {
                s.Only("name", "cidr", "availabilityZone", "routeTable");
                return new SubnetSpec(s.String("name")!, s.CidrString("cidr", IpFamily.IPv4), s.String("availabilityZone", required: false), s.String("routeTable", required: false));
            }).ToList(),
            node.List("routeTables").Select(t =>
            {
                t.Only("name", "main", "routes");
                return new RouteTableSpec(t.String("name")!, t.Bool("main"), t.List("routes").Select(r =>
                {
                    r.Only("destination", "target");
                    var target = r.String("target")!;
                    if (target != "internet-gateway")
                    {
                        throw r.Error("target", $"'{target}' is not a supported route target (supported: internet-gateway)");
                    }
                    return new RouteSpec(r.CidrString("destination", null), target);
                }).ToList());
            }).ToList(),
            node.List("securityGroups").Select(g =>
            {
                g.Only("name", "description", "ingress");
                return new SecurityGroupSpec(g.String("name")!, g.String("description", required: false) ?? g.String("name")!, g.List("ingress").Select(r =>
                {
                    r.Only("protocol", "fromPort", "toPort", "cidr", "description");
                    var protocol = r.String("protocol")!;
                    if (protocol is not ("tcp" or "udp" or "icmp" or "icmpv6" or "-1"))
                    {
                        throw r.Error("protocol", $"'{protocol}' is not one of tcp, udp, icmp, icmpv6, -1");
                    }
                    return new IngressSpec(protocol, r.Int("fromPort"), r.Int("toPort"), r.CidrString("cidr", null), r.String("description", required: false));
                }).ToList());
            }).ToList()) with { Tags = tags };
    }

    // Cross-field checks: unique ids and names, subnets inside the VPC, known route tables, IGW present.
    private static void Validate(string file, List<AccountSpec> accounts)
    {
        var names = new Dictionary<string, string>();
        void Unique(string name, string path)
        {
            if (!names.TryAdd(name, path))
            {
                throw new WorldFileError(file, path, $"the name '{name}' is already used at {names[name]} (names are unique across the world)");
            }
        }
        var ids = new HashSet<string>();
        for (var a = 0; a < accounts.Count; a++)
        {
            if (!ids.Add(accounts[a].Id))
            {
                throw new WorldFileError(file, $"accounts[{a}].id", $"account {accounts[a].Id} appears twice");
            }
            for (var v = 0; v < accounts[a].Vpcs.Count; v++)
            {
                var vpc = accounts[a].Vpcs[v];
                var at = $"accounts[{a}].vpcs[{v}]";
                Unique(vpc.Name, $"{at}.name");
                var blocks = new[] { vpc.Cidr }.Concat(vpc.SecondaryCidrs).Select(Cidr.Parse).ToList();
                for (var i = 0; i < vpc.SecondaryCidrs.Count; i++)
                {
                    if (blocks.Take(i + 1).Any(b => b.Overlaps(blocks[i + 1])))
                    {
                        throw new WorldFileError(file, $"{at}.secondaryCidrs[{i}]", $"{vpc.SecondaryCidrs[i]} overlaps another block of the same VPC");
                    }
                }
                var tables = vpc.RouteTables.Select(t => t.Name).ToHashSet();
                if (vpc.RouteTables.Count(t => t.Main) > 1)
                {
                    throw new WorldFileError(file, $"{at}.routeTables", "only one route table can be the main one");
                }
                for (var s = 0; s < vpc.Subnets.Count; s++)
                {
                    var subnet = vpc.Subnets[s];
                    Unique(subnet.Name, $"{at}.subnets[{s}].name");
                    if (!blocks.Any(b => b.Contains(Cidr.Parse(subnet.Cidr))))
                    {
                        throw new WorldFileError(file, $"{at}.subnets[{s}].cidr", $"{subnet.Cidr} is not inside any IPv4 block of VPC {vpc.Name} ({string.Join(", ", blocks)})");
                    }
                    if (subnet.RouteTable is { } table && !tables.Contains(table))
                    {
                        throw new WorldFileError(file, $"{at}.subnets[{s}].routeTable", $"no route table named '{table}' in VPC {vpc.Name}");
                    }
                }
                for (var t = 0; t < vpc.RouteTables.Count; t++)
                {
                    Unique(vpc.RouteTables[t].Name, $"{at}.routeTables[{t}].name");
                    if (vpc.RouteTables[t].Routes.Count > 0 && !vpc.InternetGateway)
                    {
                        throw new WorldFileError(file, $"{at}.routeTables[{t}].routes", "routes to internet-gateway need internetGateway: true on the VPC");
                    }
                }
                for (var g = 0; g < vpc.SecurityGroups.Count; g++)
                {
                    Unique(vpc.SecurityGroups[g].Name, $"{at}.securityGroups[{g}].name");
                }
            }
        }
    }

    /// <summary>A YAML node with its path, for errors like <c>accounts[2].vpcs[0].cidr</c>.</summary>
    private sealed class Node(string file, string path, YamlNode yaml)
    {
        public YamlNode Yaml => yaml;

        private YamlMappingNode Map => yaml as YamlMappingNode ?? throw new WorldFileError(file, Display(path), "expected a mapping");

        public WorldFileError Error(string key, string reason) => new(file, Join(key), reason);

        public void Only(params string[] keys)
        {
            foreach (var key in Map.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? ""))
            {
                if (!keys.Contains(key))
                {
                    throw new WorldFileError(file, Join(key), $"unknown field (expected one of: {string.Join(", ", keys)})");
                }
            }
        }

        public string? String(string key, bool required = true)
        {
            if (!Map.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                return required ? throw Error(key, "required") : null;
            }
            return value is YamlScalarNode { Value: { Length: > 0 } text } ? text : throw Error(key, "expected a non-empty text value");
        }

        public bool Bool(string key) => String(key, required: false) switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw Error(key, $"expected true or false, not '{other}'"),
        };

        public int Int(string key) => int.TryParse(String(key), out var n) ? n : throw Error(key, "expected an integer");

        public string CidrString(string key, IpFamily? family) => CheckCidr(key, String(key)!, family);

        public string CheckCidr(string key, string text, IpFamily? family)
        {
            if (!Cidr.TryParse(text, out var cidr, out var error))
            {
                throw Error(key, error);
            }
            if (family is { } f && cidr.Family != f)
            {
                throw Error(key, $"{text} must be an {f} block");
            }
            return cidr.ToString();
        }

        /// <summary>A mapping of text to text (tags); empty when absent.</summary>
        public IReadOnlyDictionary<string, string> Mapping(string key)
        {
            if (!Map.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                return new Dictionary<string, string>();
            }
            return value is YamlMappingNode map
                ? map.Children.ToDictionary(
                    p => (p.Key as YamlScalarNode)?.Value ?? throw Error(key, "expected text keys"),
                    p => (p.Value as YamlScalarNode)?.Value ?? throw Error(key, "expected text values"))
                : throw Error(key, "expected a mapping of tag keys to values");
        }

        public IEnumerable<string> Scalars(string key) => List(key).Select((n, i) => n.Yaml is YamlScalarNode { Value: { } v } ? v : throw Error($"{key}[{i}]", "expected a text value"));

        public List<Node> List(string key, bool required = false)
        {
            if (!Map.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                return required ? throw Error(key, "required") : [];
            }
            return value is YamlSequenceNode seq
                ? seq.Children.Select((child, i) => new Node(file, $"{Join(key)}[{i}]", child)).ToList()
                : throw Error(key, "expected a list");
        }

        private string Join(string key) => path.Length == 0 ? key : $"{path}.{key}";

        private static string Display(string p) => p.Length == 0 ? "$" : p;
    }
}
