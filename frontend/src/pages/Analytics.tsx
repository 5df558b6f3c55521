import { Alert, Select, Stack, Tabs } from '@mantine/core';
import { IconBulb, IconChartBar, IconChartDots, IconScale } from '@tabler/icons-react';
import { useSearchParams } from 'react-router-dom';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { ComparePanel, ImportancePanel, PresetAnalyticsCard, SuggestForm } from '../features/analytics';
import { usePresets } from '../features/presets';

const TABS = ['presets', 'parameters', 'compare', 'suggest'] as const;
type Tab = (typeof TABS)[number];

/** What presets are worth: their record, which flags matter, presets side by side, and suggestions. */
export function AnalyticsPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'presets';
  const presets = usePresets();
  const presetParam = Number(params.get('preset'));
  const presetId = presetParam > 0 ? presetParam : (presets.data?.[0]?.id ?? null);
  const setParam = (key: string, value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  return (
    <>
      <PageHeader
        title="Analytics"
        description="What the experiments say: how each preset fared, which flags matter, and a space suggested for your model and hardware."
      />
      <Tabs value={tab} onChange={(v) => setParam('tab', v === 'presets' ? null : v)} keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="presets" leftSection={<IconChartBar size={16} />}>
            Presets
          </Tabs.Tab>
          <Tabs.Tab value="parameters" leftSection={<IconChartDots size={16} />}>
            Parameter importance
          </Tabs.Tab>
          <Tabs.Tab value="compare" leftSection={<IconScale size={16} />}>
            Compare
          </Tabs.Tab>
          <Tabs.Tab value="suggest" leftSection={<IconBulb size={16} />}>
            Suggest
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="presets">
          <Stack gap="md">
            {presets.isError && <ApiErrorAlert error={presets.error} title="The presets could not be loaded" />}
            {presets.data && presets.data.length === 0 ? (
              <Alert color="gray" variant="light" title="No presets yet">
                Create a preset on the Presets page (or save one from the Suggest tab), run a task with it, and its record appears here.
              </Alert>
            ) : (
              <Select
                label="Preset"
                data={(presets.data ?? []).map((p) => ({ value: String(p.id), label: p.name }))}
                value={presetId ? String(presetId) : null}
                onChange={(v) => setParam('preset', v)}
                searchable
                allowDeselect={false}
                maw={420}
              />
            )}
            {presetId && <PresetAnalyticsCard key={presetId} presetId={presetId} />}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="parameters">
          <ImportancePanel />
        </Tabs.Panel>
        <Tabs.Panel value="compare">
          <ComparePanel />
        </Tabs.Panel>
        <Tabs.Panel value="suggest">
          <SuggestForm layout="side" />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
