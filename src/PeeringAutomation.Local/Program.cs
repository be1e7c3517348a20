using PeeringAutomation.Local.Cli;

// The local stack's CLI: `up` serves the template on one endpoint until stopped; `demo` plays the
// story. See README.md.
return await LocalCli.RunAsync(args);
