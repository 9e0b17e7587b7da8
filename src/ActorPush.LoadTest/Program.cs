Console.WriteLine("load tool: coming");
