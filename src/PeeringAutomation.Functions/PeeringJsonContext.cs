using System.Text.Json;
using System.Text.Json.Serialization;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Teardown;
using PeeringAutomation.Functions.Changes;
using PeeringAutomation.Functions.Compliance;
using PeeringAutomation.Functions.AutoAccept;
using PeeringAutomation.Functions.Notifications;
using PeeringAutomation.Functions.Provisioning;
using PeeringAutomation.Functions.Teardown;

namespace PeeringAutomation.Functions;

/// <summary>Every payload and event detail the functions read or write (source-generated, camelCase).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ProvisioningState))]
[JsonSerializable(typeof(ValidationResult))]
[JsonSerializable(typeof(PeeringStepResult))]
[JsonSerializable(typeof(AcceptanceResult))]
[JsonSerializable(typeof(RoutesResult))]
[JsonSerializable(typeof(SecurityGroupsResult))]
[JsonSerializable(typeof(ProvisionedResult))]
[JsonSerializable(typeof(OutcomeResult<ProvisioningFailedEvent>))]
[JsonSerializable(typeof(TeardownResolutionResult))]
[JsonSerializable(typeof(TeardownTarget))]
[JsonSerializable(typeof(OutcomeResult<TornDownEvent>))]
[JsonSerializable(typeof(AcceptanceScanResult))]
[JsonSerializable(typeof(ComplianceSweepPlan))]
[JsonSerializable(typeof(ComplianceScope))]
[JsonSerializable(typeof(ScopeReport))]
[JsonSerializable(typeof(ComplianceFinding))]
[JsonSerializable(typeof(ComplianceSweepResults))]
[JsonSerializable(typeof(ComplianceReport))]
[JsonSerializable(typeof(MemberDeliveryPlan))]
[JsonSerializable(typeof(FindingResolvedEvent))]
[JsonSerializable(typeof(FlowLogsEnabledEvent))]
[JsonSerializable(typeof(SuppressionEvent))]
[JsonSerializable(typeof(FindingBatch))]
[JsonSerializable(typeof(ChangeIntakeResult))]
[JsonSerializable(typeof(ChangeStepInput))]
[JsonSerializable(typeof(OutcomeResult<ChangedEvent>))]
[JsonSerializable(typeof(ChangeRollbackResult<ChangeRejectedEvent>))]
[JsonSerializable(typeof(ChangeRollbackResult<ChangedEvent>))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class PeeringJsonContext : JsonSerializerContext;
