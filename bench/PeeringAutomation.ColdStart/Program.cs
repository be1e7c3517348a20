using System.Text;
using PeeringAutomation.Functions.Provisioning;

// One cold start: the handler's parameterless constructor (as Lambda builds it), the composition root
// from the environment on first use, one request through the parser and validator, the result written.
// The request names an unknown field, so it is refused before any AWS call: no network in the figure.
const string Input = """
{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:provision:cold",
 "event": {"version": "0", "id": "cold-start", "detail-type": "Peering Requested", "source": "vpc-peering",
  "account": "123456789012", "time": "2026-11-30T10:00:00Z", "region": "us-east-1", "resources": [],
  "detail": {"requestId": "cold-1", "requester": {"accountId": "111111111111", "region": "us-east-1", "vpcId": "vpc-0a1b2c3d4e5f60718"},
   "accepter": {"accountId": "222222222222", "region": "eu-west-1", "vpcId": "vpc-0a1b2c3d4e5f60719"}, "destinationCidr": "10.0.0.0/8"}}}
""";
await using var output = await new ValidatePeeringRequestFunction().Handle(new MemoryStream(Encoding.UTF8.GetBytes(Input)));
using var reader = new StreamReader(output);
Console.Out.WriteLine(await reader.ReadToEndAsync());
