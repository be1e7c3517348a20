using System.Text.Json;
using System.Text.Json.Serialization;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Aws;

/// <summary>The plan as the ledger stores it: one JSON string attribute, readable with <c>aws dynamodb get-item</c>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PeeringPlan))]
[JsonSerializable(typeof(PeeringState))]
[JsonSerializable(typeof(ChangeDiff))]
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
