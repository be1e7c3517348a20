// The local stack's CLI (up, demo). Built out by the local-stack work; see README.md.
Console.Error.WriteLine("usage: PeeringAutomation.Local up|demo (not built yet)");
return 2;
