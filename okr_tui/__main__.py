from okr_tui.cli import main

raise SystemExit(main())
