using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// Tags on a peering exist only in the account and region where they were set (VPC peering guide:
/// "tags apply only in the account and Region where created"). moto shares one object, so what
/// one side writes the other sees. The layer keeps each side's tags itself: creation tags belong to
/// the requester's side, CreateTags/DeleteTags on a peering change the caller's side only (moto
/// never sees them), and every described peering shows the caller's side's tags.
/// </summary>
public static class PerSideTags
{
    /// <summary>The <c>vpc-peering-connection</c> tags of a CreateVpcPeeringConnection call.</summary>
    public static IReadOnlyDictionary<string, string> CreationTags(IFormCollection form)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var n = 1; form.ContainsKey($"TagSpecification.{n}.ResourceType"); n++)
        {
            if (form[$"TagSpecification.{n}.ResourceType"] != "vpc-peering-connection")
            {
                continue;
            }
            for (var m = 1; form.ContainsKey($"TagSpecification.{n}.Tag.{m}.Key"); m++)
            {
                tags[form[$"TagSpecification.{n}.Tag.{m}.Key"].ToString()] = form[$"TagSpecification.{n}.Tag.{m}.Value"].ToString();
            }
        }
        return tags;
    }

    /// <summary>The <c>Tag.N.Key</c>/<c>Tag.N.Value</c> pairs of CreateTags/DeleteTags (value null when absent).</summary>
    public static IReadOnlyList<(string Key, string? Value)> Tags(IFormCollection form)
    {
        var tags = new List<(string, string?)>();
        for (var n = 1; form.ContainsKey($"Tag.{n}.Key"); n++)
        {
            tags.Add((form[$"Tag.{n}.Key"].ToString(), form.TryGetValue($"Tag.{n}.Value", out var v) ? v.ToString() : null));
        }
        return tags;
    }

    /// <summary>Applies a CreateTags (<paramref name="delete"/> false) or DeleteTags to the caller's side.</summary>
    public static void Apply(PeeringRecord peering, PeeringSide side, IReadOnlyList<(string Key, string? Value)> tags, bool delete)
    {
        if (delete)
        {
            peering.RemoveTags(side, tags);
        }
        else
        {
            peering.SetTags(side, tags.Select(t => KeyValuePair.Create(t.Key, t.Value ?? "")));
        }
    }

    /// <summary>Replaces a described peering's <c>tagSet</c> with the tags of <paramref name="side"/>.</summary>
    public static void Show(XElement item, PeeringRecord peering, PeeringSide side)
    {
        var ns = item.Name.Namespace;
        item.Elements().Where(e => e.Name.LocalName == "tagSet").Remove();
        var tags = peering.TagsOf(side);
        if (tags.Count > 0)
        {
            item.Add(new XElement(ns + "tagSet", tags.Select(t =>
                new XElement(ns + "item", new XElement(ns + "key", t.Key), new XElement(ns + "value", t.Value)))));
        }
    }
}
