using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Plans Lambda: <c>AWS::Serverless::Function</c> (handler, environment, timeout) and its
/// asynchronous-invocation settings, inline (<c>EventInvokeConfig</c>) or as an
/// <c>AWS::Lambda::EventInvokeConfig</c> resource.
/// </summary>
internal sealed class FunctionPlanner(TemplateScope scope)
{
    public FunctionPlan Function(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var environment = new Dictionary<string, string>();
        if (props["Environment"] is JsonObject env)
        {
            foreach (var key in env.Select(p => p.Key).Where(k => k != "Variables"))
            {
                throw new TemplateError($"{at}: Environment.{key} is not supported by the local stack");
            }
            foreach (var (name, value) in scope.Resolve(env["Variables"], $"{at}.Environment") as JsonObject ?? [])
            {
                environment[name] = IntrinsicResolver.AsString(value, $"{at}.Environment.Variables.{name}");
            }
        }
        var config = props["EventInvokeConfig"] is JsonObject eic
            ? InvokeConfig(eic, $"{at}.EventInvokeConfig")
            : InvokeConfigPlan.Default;
        // SAM's default timeout is 3 seconds.
        var timeout = props["Timeout"] is { } t ? scope.Number(t, $"{at}.Timeout") : 3;
        var handler = scope.Text(props["Handler"], $"{at}.Handler");
        return new FunctionPlan(id, identity.Ref, identity.Attributes["Arn"], handler, environment, config)
        {
            TimeoutSeconds = timeout,
        };
    }

    public InvokeConfigPlan InvokeConfig(JsonObject props, string at)
    {
        var retries = props["MaximumRetryAttempts"] is { } m ? scope.Number(m, at) : 2;
        string? Destination(string outcome)
        {
            if (props["DestinationConfig"]?[outcome] is not JsonObject d)
            {
                return null;
            }
            var where = $"{at}.DestinationConfig.{outcome}";
            foreach (var key in d.Select(p => p.Key).Where(k => k is not ("Type" or "Destination")))
            {
                throw new TemplateError($"{where}: property '{key}' is not supported by the local stack");
            }
            return d["Destination"] is { } dest
                ? scope.Text(dest, where)
                : throw new TemplateError($"{where}: the local stack needs an explicit Destination ARN");
        }
        return new InvokeConfigPlan(retries, Destination("OnSuccess"), Destination("OnFailure"));
    }

    /// <summary>
    /// Gives each function the <c>AWS::Lambda::EventInvokeConfig</c> resource that names it (by name or ARN);
    /// one naming no function of the template is an error.
    /// </summary>
    public static void Attach(List<FunctionPlan> functions, IReadOnlyDictionary<string, InvokeConfigPlan> invokeConfigs)
    {
        for (var i = 0; i < functions.Count; i++)
        {
            if (invokeConfigs.TryGetValue(functions[i].Name, out var config)
                || invokeConfigs.TryGetValue(functions[i].Arn, out config))
            {
                functions[i] = functions[i] with { InvokeConfig = config };
            }
        }
        foreach (var key in invokeConfigs.Keys.Where(k => !functions.Any(f => f.Name == k || f.Arn == k)))
        {
            throw new TemplateError($"AWS::Lambda::EventInvokeConfig: function {key} is not in the template");
        }
    }
}
