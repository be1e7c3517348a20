namespace PeeringAutomation.Local.Demo;

/// <summary>Plays the demo story (placeholder until the story lands).</summary>
public static class DemoRunner
{
    public static Task<int> RunAsync(string worldFile, string? template, bool verbose) => Task.FromResult(2);
}
