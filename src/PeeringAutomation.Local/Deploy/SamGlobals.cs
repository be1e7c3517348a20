using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>SAM's <c>Globals</c> section: only <c>Globals.Function</c> is supported locally.</summary>
internal static class SamGlobals
{
    /// <summary>
    /// A function's properties with <c>Globals.Function</c> merged in, as SAM does: maps
    /// (Environment.Variables) merge key by key, and the function's own value wins.
    /// </summary>
    public static JsonObject MergeIntoFunction(JsonObject template, JsonObject props)
    {
        if (template["Globals"] is not JsonObject globals)
        {
            return props;
        }
        foreach (var key in globals.Select(g => g.Key).Where(k => k is not ("Function" or "StateMachine")))
        {
            throw new TemplateError($"Globals.{key} is not supported by the local stack");
        }
        if (globals["StateMachine"] is JsonObject { Count: > 0 })
        {
            throw new TemplateError("Globals.StateMachine is not supported by the local stack");
        }
        if (globals["Function"] is not JsonObject function)
        {
            return props;
        }
        var merged = (JsonObject)function.DeepClone();
        foreach (var (key, value) in props)
        {
            if (key == "Environment" && merged["Environment"]?["Variables"] is JsonObject globalVars
                && value?["Variables"] is JsonObject ownVars)
            {
                foreach (var (name, v) in ownVars)
                {
                    globalVars[name] = v?.DeepClone();
                }
            }
            else
            {
                merged[key] = value?.DeepClone();
            }
        }
        return merged;
    }
}
