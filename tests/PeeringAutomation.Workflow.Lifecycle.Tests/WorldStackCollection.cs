using PeeringAutomation.Workflow.Testing;

namespace PeeringAutomation.Workflow.Lifecycle.Tests;

/// <summary>Every workflow test class of this project shares one <see cref="WorldStack"/>.</summary>
[CollectionDefinition(Name)]
public sealed class WorldStackCollection : ICollectionFixture<WorldStack>
{
    public const string Name = "default world";
}
