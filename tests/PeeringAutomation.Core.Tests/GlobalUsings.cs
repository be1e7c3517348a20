global using PeeringAutomation.Core.Model;
global using PeeringAutomation.Core.Requests;
