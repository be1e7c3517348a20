using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Tests.Fixtures;

/// <summary>One local stack (one moto) for every test of the "local stack" collection.</summary>
public sealed class FixtureStack : IAsyncLifetime
{
    public const string Member = "222222222222";
    public const string OtherMember = "333333333333";

    public LocalCloud Stack { get; private set; } = null!;

    public static string FixtureTemplate => Path.Combine(AppContext.BaseDirectory, "Fixtures", "template.yaml");

    /// <summary>A small world: the hub and two members in two regions.</summary>
    public static WorldSpec SmallWorld { get; } = WorldFile.Parse("""
        accounts:
          - id: "123456789012"
            name: hub
            vpcs:
              - name: hub-vpc
                region: us-east-1
                cidr: 10.0.0.0/16
          - id: "222222222222"
            name: app
            vpcs:
              - name: app-vpc
                region: us-east-1
                cidr: 10.10.0.0/16
                secondaryCidrs: [10.11.0.0/16]
                ipv6: true
                flowLogs: true
                internetGateway: true
                subnets:
                  - {name: app-a, cidr: 10.10.1.0/24, routeTable: app-public}
                  - {name: app-b, cidr: 10.11.1.0/24}
                routeTables:
                  - {name: app-main, main: true}
                  - name: app-public
                    routes: [{destination: 0.0.0.0/0, target: internet-gateway}]
                securityGroups:
                  - name: app-web
                    ingress: [{protocol: tcp, fromPort: 443, toPort: 443, cidr: 10.0.0.0/8}]
          - id: "333333333333"
            name: data
            vpcs:
              - name: data-vpc
                region: eu-west-1
                cidr: 10.20.0.0/16
        """, "small-world");

    public async Task InitializeAsync() =>
        Stack = await LocalCloud.StartAsync(new LocalCloudOptions { TemplatePath = FixtureTemplate, World = SmallWorld, OutcomeSources = ["vpc-peering.automation", "lambda"] });

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>Tests sharing <see cref="FixtureStack"/>.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FixtureStackCollection : ICollectionFixture<FixtureStack>
{
    public const string Name = "local stack";
}
