using PeeringAutomation.Local.Cli;
using PeeringAutomation.Local.Faults;

namespace PeeringAutomation.Local.Tests;

public sealed class FaultSettingsTests
{
    [Fact]
    public void FaultSettingsParse_ReadsEveryShareAndTheSeedGivenTheFullSyntax()
    {
        var settings = FaultSettings.Parse("throttle=0.2,server=0.05,lambda=0.05,duplicate=0.1,seed=42", defaultSeed: 7);

        settings.ShouldBe(new FaultSettings { Throttle = 0.2, Server = 0.05, Lambda = 0.05, Duplicate = 0.1, Seed = 42 });
        settings.ToString().ShouldBe("throttle=0.2,server=0.05,lambda=0.05,duplicate=0.1,seed=42");
    }

    [Fact]
    public void FaultSettingsParse_LeavesOutPartsAtZeroAndTakesTheDefaultSeedGivenASubset()
    {
        var settings = FaultSettings.Parse(" duplicate = 1 ", defaultSeed: 7);

        settings.ShouldBe(new FaultSettings { Duplicate = 1, Seed = 7 });
        settings.Any.ShouldBeTrue();
        FaultSettings.None.Any.ShouldBeFalse();
    }

    [Fact]
    public void FaultSettingsParse_RoundTripsGivenItsOwnText()
    {
        var settings = new FaultSettings { Throttle = 0.125, Server = 0.5, Lambda = 1, Duplicate = 0, Seed = -3 };

        FaultSettings.Parse(settings.ToString(), defaultSeed: 0).ShouldBe(settings);
    }

    [Theory]
    [InlineData("", "--faults: is empty; expected throttle=P,server=P,lambda=P,duplicate=P,seed=N (any of them)")]
    [InlineData("throttle", "--faults: 'throttle' is not name=value (expected throttle=P,server=P,lambda=P,duplicate=P,seed=N)")]
    [InlineData("throttle=0.1,latency=0.2", "--faults: 'latency=0.2': unknown fault 'latency' (expected throttle, server, lambda, duplicate, seed)")]
    [InlineData("throttle=0.1,throttle=0.2", "--faults: 'throttle' is given more than once")]
    [InlineData("server=1.5", "--faults: 'server=1.5': the share must be a number from 0 to 1, such as 0.2")]
    [InlineData("lambda=-0.1", "--faults: 'lambda=-0.1': the share must be a number from 0 to 1, such as 0.2")]
    [InlineData("duplicate=10%", "--faults: 'duplicate=10%': the share must be a number from 0 to 1, such as 0.2")]
    [InlineData("seed=abc", "--faults: 'seed=abc': the seed must be a whole number (32-bit)")]
    [InlineData("throttle=0.7,server=0.4", "--faults: throttle + server must be at most 1 (one call gets at most one error), got 1.1")]
    public void FaultSettingsParse_NamesThePartAndTheReasonGivenInvalidText(string text, string message)
    {
        Should.Throw<FaultSpecError>(() => FaultSettings.Parse(text, defaultSeed: 0)).Message.ShouldBe(message);
    }

    [Fact]
    public void LocalCliParseFaults_IsNoneGivenNoOption()
    {
        LocalCli.ParseFaults(null).ShouldBe(FaultSettings.None);
    }

    [Fact]
    public void FaultDice_RepeatsTheSameDrawsGivenTheSameSeed()
    {
        var first = new FaultDice(42);
        var second = new FaultDice(42);

        var a = Enumerable.Range(0, 100).Select(_ => first.NextAwsCall()).ToList();
        var b = Enumerable.Range(0, 100).Select(_ => second.NextAwsCall()).ToList();

        b.ShouldBe(a);
        Enumerable.Range(0, 100).Select(_ => new FaultDice(43).NextAwsCall()).Distinct().Count().ShouldBe(1);
        new FaultDice(43).NextAwsCall().ShouldNotBe(a[0]);
    }

    [Fact]
    public void FaultDice_KeepsEachKindsSequenceGivenDrawsOfOtherKindsInBetween()
    {
        var quiet = new FaultDice(5);
        var busy = new FaultDice(5);

        var expected = Enumerable.Range(0, 20).Select(_ => quiet.NextAwsCall()).ToList();
        var actual = Enumerable.Range(0, 20).Select(_ =>
        {
            busy.NextInvocation();
            busy.NextDelivery();
            return busy.NextAwsCall();
        }).ToList();

        actual.ShouldBe(expected);
    }
}
