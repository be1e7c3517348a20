using System.Text.Json;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Tests.Requests;

public sealed class EventJsonTests
{
    // 256 KB of "[" and "]": the deepest nesting an event EventBridge accepts can carry.
    private const int DeepestEventBridgeEvent = 128 * 1024;

    private static string Envelope(string detail) =>
        """{"id":"e-1","account":"111111111111","source":"vpc-peering","detail-type":"Peering Requested","detail":""" + detail + "}";

    [Fact]
    public void EventJsonParse_EmptiesWhatLiesBelowTheKeptDepthAndKeepsTheEnvelopeGivenTheDeepestEvent()
    {
        var deep = new string('[', DeepestEventBridgeEvent) + new string(']', DeepestEventBridgeEvent);

        using var document = EventJson.Parse(Envelope("""{"requestId":"r-1","tags":""" + deep + "}"));

        var root = document.RootElement;
        root.GetProperty("id").GetString().ShouldBe("e-1");
        root.GetProperty("account").GetString().ShouldBe("111111111111");
        root.GetProperty("detail").GetProperty("requestId").GetString().ShouldBe("r-1");
        EventJson.DepthOf(System.Text.Encoding.UTF8.GetBytes(root.GetRawText())).ShouldBe(EventJson.KeptDepth);
        JsonText.DepthExceeds(root, RequestParser.MaxDepth).ShouldBeTrue("what is left is still refused as too deep");
    }

    [Fact]
    public void EventJsonParse_KeepsEveryValueAboveTheCutGivenADeepEvent()
    {
        var deep = string.Concat(Enumerable.Repeat("""{"a":""", 100)) + "1" + new string('}', 100);
        var detail = """{"text":"say \"hi\" \u00e9","number":1.50,"yes":true,"no":false,"none":null,"list":[1,"two"],"deep":""" + deep + "}";

        using var document = EventJson.Parse(Envelope(detail));

        var kept = document.RootElement.GetProperty("detail");
        kept.GetProperty("text").GetString().ShouldBe("say \"hi\" é");
        kept.GetProperty("number").GetRawText().ShouldBe("1.50");
        kept.GetProperty("yes").GetBoolean().ShouldBeTrue();
        kept.GetProperty("no").GetBoolean().ShouldBeFalse();
        kept.GetProperty("none").ValueKind.ShouldBe(JsonValueKind.Null);
        kept.GetProperty("list").GetRawText().ShouldBe("""[1,"two"]""");
        kept.GetProperty("deep").GetProperty("a").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public void EventJsonParse_LeavesAnEventAsItIsGivenOrdinaryNesting()
    {
        var text = Envelope("""{"requestId":"r-2","requester":{"accountId":"111111111111","ingressFromPeer":[{"fromPort":443}]}}""");

        using var document = EventJson.Parse(text);

        document.RootElement.GetRawText().ShouldBe(text);
    }

    [Fact]
    public void EventJsonParse_ThrowsJsonExceptionGivenTextThatIsNotJson()
    {
        Should.Throw<JsonException>(() => EventJson.Parse("""{"id": """));
    }
}
