using PeeringAutomation.Moto;

namespace PeeringAutomation.Aws.Tests.Moto;

/// <summary>
/// One moto server for the whole test project, on a free loopback port, stopped at the end. Test
/// classes join the <see cref="MotoCollection"/> and so run one after another against it.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    private MotoServer? server;

    public MotoServer Server => server ?? throw new InvalidOperationException("moto has not started");

    public async Task InitializeAsync() => server = await MotoServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>Every class that talks to moto is in this collection (one server, no parallel resets).</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoFixture>
{
    public const string Name = "moto";
}
